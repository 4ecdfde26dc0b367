-- /notify: the admins who want a private message per new join request of a
-- chat, with the language they read (their Telegram language when they
-- asked).
CREATE TABLE notify_subscriptions (
	chat_id    INTEGER NOT NULL,
	user_id    INTEGER NOT NULL,
	language   TEXT    NOT NULL DEFAULT '',
	created_at INTEGER NOT NULL,
	PRIMARY KEY (chat_id, user_id)
) STRICT;

-- The notifications of join requests to admins, an outbox: made in the
-- transaction that stores the request, sent by the notifier (state sent,
-- with the message), or folded into a summary (summarized), or dropped
-- when the request was answered first; outcome is set in the transaction
-- that answers the request, and edited says the message shows it.
CREATE TABLE notifications (
	id           INTEGER PRIMARY KEY,
	chat_id      INTEGER NOT NULL,
	requester_id INTEGER NOT NULL,
	requested_at INTEGER NOT NULL,
	admin_id     INTEGER NOT NULL,
	language     TEXT    NOT NULL DEFAULT '',
	state        TEXT    NOT NULL DEFAULT 'pending'
		CHECK (state IN ('pending', 'sent', 'summarized', 'dropped')),
	message_id   INTEGER NOT NULL DEFAULT 0,
	sent_at      INTEGER NOT NULL DEFAULT 0,
	outcome      TEXT    NOT NULL DEFAULT '',
	edited       INTEGER NOT NULL DEFAULT 0 CHECK (edited IN (0, 1)),
	UNIQUE (chat_id, requester_id, requested_at, admin_id)
) STRICT;

CREATE INDEX notifications_pending ON notifications (id) WHERE state = 'pending';
CREATE INDEX notifications_to_edit ON notifications (id) WHERE state = 'sent' AND outcome <> '' AND edited = 0;
CREATE INDEX notifications_request ON notifications (chat_id, requester_id);
CREATE INDEX notifications_sent ON notifications (admin_id, chat_id, sent_at);

-- Summaries of notifications to an admin about a chat: when the last went
-- out, and since when notifications wait for the next (0: none wait).
CREATE TABLE notification_summaries (
	admin_id      INTEGER NOT NULL,
	chat_id       INTEGER NOT NULL,
	sent_at       INTEGER NOT NULL DEFAULT 0,
	backlog_since INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (admin_id, chat_id)
) STRICT;

-- The bot's messages with buttons, and what each shows: a press acts on
-- what its message shows, checked here, never on what its data claims.
CREATE TABLE button_messages (
	chat_id    INTEGER NOT NULL,
	message_id INTEGER NOT NULL,
	kind       TEXT    NOT NULL,
	-- The chat the buttons act on.
	target_id  INTEGER NOT NULL,
	-- What the message shows: links' numbers or requesters' IDs, in order.
	items      TEXT    NOT NULL DEFAULT '',
	-- The heading the message's text starts with (HTML), to show the new
	-- state under it after a press.
	title      TEXT    NOT NULL DEFAULT '',
	-- The only person whose press counts (a confirmation), 0 for anyone
	-- who may act on the target.
	user_id    INTEGER NOT NULL DEFAULT 0,
	-- For a confirmation, the message whose press it confirms.
	parent_id  INTEGER NOT NULL DEFAULT 0,
	expires_at INTEGER NOT NULL DEFAULT 0,
	created_at INTEGER NOT NULL,
	PRIMARY KEY (chat_id, message_id)
) STRICT;

CREATE INDEX button_messages_target ON button_messages (target_id);

-- Commands that wait for their asker to open a private chat with the bot:
-- the deep link's start parameter names them.
CREATE TABLE pending_commands (
	token      TEXT    PRIMARY KEY,
	user_id    INTEGER NOT NULL,
	chat_id    INTEGER NOT NULL,
	command    TEXT    NOT NULL,
	args       TEXT    NOT NULL DEFAULT '',
	created_at INTEGER NOT NULL
) STRICT;
