-- invitebot's store in PostgreSQL: the tables and columns of the SQLite
-- store as of its migration 013, so that both keep the same records and
-- the same SQL reads them. Times are Unix seconds in UTC (bigint); 0
-- means none (never expires, never edited, not revoked, ...).

-- The invite links the bot made or exported, one row per link. Rows are
-- never deleted, so a chat's numbers are never reused.
CREATE TABLE links (
	id           bigint  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	chat_id      bigint  NOT NULL,
	number       bigint  NOT NULL CHECK (number > 0),
	url          text    NOT NULL UNIQUE CHECK (url <> ''),
	name         text    NOT NULL DEFAULT '',
	-- name_key is strings.ToLower(name), computed in Go: lower() depends on
	-- the database's locale.
	name_key     text    NOT NULL DEFAULT '',
	expires_at   bigint  NOT NULL DEFAULT 0,
	member_limit integer NOT NULL DEFAULT 0 CHECK (member_limit >= 0),
	join_request boolean NOT NULL DEFAULT false,
	is_primary   boolean NOT NULL DEFAULT false,
	created_by   bigint  NOT NULL,
	created_at   bigint  NOT NULL,
	edited_by    bigint  NOT NULL DEFAULT 0,
	edited_at    bigint  NOT NULL DEFAULT 0,
	revoked_by   bigint  NOT NULL DEFAULT 0,
	revoked_at   bigint  NOT NULL DEFAULT 0,
	joins        bigint  NOT NULL DEFAULT 0,
	-- The command that asked for the link (its chat and message), so that
	-- a command handled again after a crash finds the link it made.
	request      text    NOT NULL DEFAULT '',
	-- The link's own join mode (join=), '' for the chat's.
	join_mode    text    NOT NULL DEFAULT '' CHECK (join_mode IN ('', 'manual', 'auto', 'verify')),
	-- A subscription link's price in Telegram Stars per 30 days, 0 for others.
	price        integer NOT NULL DEFAULT 0 CHECK (price >= 0),
	-- Also the index for Link and ListLinks.
	UNIQUE (chat_id, number)
);

CREATE INDEX links_chat_id_name_key ON links (chat_id, name_key);
CREATE UNIQUE INDEX links_request ON links (request) WHERE request <> '';

-- Each chat's last #N given: AddLink takes the next one by updating this
-- row in its transaction, which also makes two writers of one chat, in
-- any process, take their numbers one after the other.
CREATE TABLE link_numbers (
	chat_id bigint PRIMARY KEY,
	last    bigint NOT NULL CHECK (last >= 0)
);

-- The journal of updates in hand (store.Updates).
CREATE TABLE updates (
	update_id   bigint PRIMARY KEY,
	raw         bytea  NOT NULL,
	received_at bigint NOT NULL
);

-- Small named values: 'last_update_id' is the highest update ID accounted
-- for. The row is there from the start, so that AcceptUpdates can lock it.
CREATE TABLE state (
	key   text   PRIMARY KEY,
	value bigint NOT NULL
);
INSERT INTO state (key, value) VALUES ('last_update_id', 0);

-- The groups, supergroups and channels the bot is in (store.Chats).
CREATE TABLE chats (
	id             bigint  PRIMARY KEY,
	type           text    NOT NULL,
	title          text    NOT NULL DEFAULT '',
	-- Without '@'. Telegram usernames are ASCII; compared with lower().
	username       text    NOT NULL DEFAULT '',
	bot_status     text    NOT NULL,
	bot_can_invite boolean NOT NULL DEFAULT false,
	updated_at     bigint  NOT NULL
);

CREATE INDEX chats_username ON chats (lower(username)) WHERE username <> '';

-- The chat each user's commands in a private chat act on (/use).
CREATE TABLE chosen_chats (
	user_id   bigint PRIMARY KEY,
	chat_id   bigint NOT NULL,
	chosen_at bigint NOT NULL
);

CREATE INDEX chosen_chats_chat_id ON chosen_chats (chat_id);

-- Join requests: one row per chat and user, as Telegram keeps one request
-- per user and chat. Answered requests stay.
CREATE TABLE join_requests (
	chat_id      bigint  NOT NULL,
	user_id      bigint  NOT NULL,
	first_name   text    NOT NULL DEFAULT '',
	last_name    text    NOT NULL DEFAULT '',
	username     text    NOT NULL DEFAULT '',
	bio          text    NOT NULL DEFAULT '',
	invite_link  text    NOT NULL DEFAULT '',
	user_chat_id bigint  NOT NULL DEFAULT 0,
	requested_at bigint  NOT NULL,
	state        text    NOT NULL DEFAULT 'pending'
		CHECK (state IN ('pending', 'approved', 'declined', 'gone')),
	answered_by  bigint  NOT NULL DEFAULT 0,
	answered_at  bigint  NOT NULL DEFAULT 0,
	-- A join was counted for invite_link through this request.
	counted      boolean NOT NULL DEFAULT false,
	-- The chat_member update of the join through this request was seen.
	joined       boolean NOT NULL DEFAULT false,
	-- The guard bot's query (Bot API 10.1), '' if none.
	query_id     text    NOT NULL DEFAULT '',
	-- The join mode that handled it ('' for manual).
	mode         text    NOT NULL DEFAULT ''
		CHECK (mode IN ('', 'manual', 'auto', 'verify', 'closed')),
	-- The check could not be delivered: the request waits for an admin.
	unreachable  boolean NOT NULL DEFAULT false,
	PRIMARY KEY (chat_id, user_id)
);

CREATE INDEX join_requests_pending ON join_requests (chat_id, requested_at) WHERE state = 'pending';

-- The joins seen through the bot's links, so that the same chat_member
-- update seen twice counts once.
CREATE TABLE joins (
	chat_id     bigint NOT NULL,
	user_id     bigint NOT NULL,
	invite_link text   NOT NULL,
	joined_at   bigint NOT NULL,
	PRIMARY KEY (chat_id, user_id, invite_link, joined_at)
);

-- Groups upgraded to supergroups (MoveChat): from_id is the group's old
-- ID, to_id the supergroup's.
CREATE TABLE chat_moves (
	from_id bigint PRIMARY KEY,
	to_id   bigint NOT NULL
);

-- What the admins of a chat set for it, one row per chat that set
-- anything. '' means the default.
CREATE TABLE chat_settings (
	chat_id     bigint PRIMARY KEY,
	language    text   NOT NULL DEFAULT '',
	replies     text   NOT NULL DEFAULT '' CHECK (replies IN ('', 'private', 'chat')),
	updated_by  bigint NOT NULL DEFAULT 0,
	updated_at  bigint NOT NULL DEFAULT 0,
	join_mode   text   NOT NULL DEFAULT ''
		CHECK (join_mode IN ('', 'manual', 'auto', 'verify', 'closed')),
	verify_wait bigint NOT NULL DEFAULT 0 CHECK (verify_wait >= 0),
	rules       text   NOT NULL DEFAULT ''
);

-- /notify: the admins who want a private message per new join request.
CREATE TABLE notify_subscriptions (
	chat_id    bigint NOT NULL,
	user_id    bigint NOT NULL,
	language   text   NOT NULL DEFAULT '',
	created_at bigint NOT NULL,
	PRIMARY KEY (chat_id, user_id)
);

-- The notifications of join requests to admins, an outbox.
CREATE TABLE notifications (
	id           bigint  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	chat_id      bigint  NOT NULL,
	requester_id bigint  NOT NULL,
	requested_at bigint  NOT NULL,
	admin_id     bigint  NOT NULL,
	language     text    NOT NULL DEFAULT '',
	state        text    NOT NULL DEFAULT 'pending'
		CHECK (state IN ('pending', 'sent', 'summarized', 'dropped')),
	message_id   bigint  NOT NULL DEFAULT 0,
	sent_at      bigint  NOT NULL DEFAULT 0,
	outcome      text    NOT NULL DEFAULT '',
	edited       boolean NOT NULL DEFAULT false,
	UNIQUE (chat_id, requester_id, requested_at, admin_id)
);

CREATE INDEX notifications_pending ON notifications (id) WHERE state = 'pending';
CREATE INDEX notifications_to_edit ON notifications (id) WHERE state = 'sent' AND outcome <> '' AND NOT edited;
CREATE INDEX notifications_request ON notifications (chat_id, requester_id);
CREATE INDEX notifications_sent ON notifications (admin_id, chat_id, sent_at);

-- Summaries of notifications to an admin about a chat.
CREATE TABLE notification_summaries (
	admin_id      bigint NOT NULL,
	chat_id       bigint NOT NULL,
	sent_at       bigint NOT NULL DEFAULT 0,
	backlog_since bigint NOT NULL DEFAULT 0,
	PRIMARY KEY (admin_id, chat_id)
);

-- The bot's messages with buttons, and what each shows.
CREATE TABLE button_messages (
	chat_id    bigint NOT NULL,
	message_id bigint NOT NULL,
	kind       text   NOT NULL,
	target_id  bigint NOT NULL,
	-- Links' numbers or requesters' IDs, in order, separated by spaces.
	items      text   NOT NULL DEFAULT '',
	title      text   NOT NULL DEFAULT '',
	user_id    bigint NOT NULL DEFAULT 0,
	parent_id  bigint NOT NULL DEFAULT 0,
	expires_at bigint NOT NULL DEFAULT 0,
	created_at bigint NOT NULL,
	PRIMARY KEY (chat_id, message_id)
);

CREATE INDEX button_messages_target ON button_messages (target_id);

-- Commands that wait for their asker to open a private chat with the bot.
CREATE TABLE pending_commands (
	token      text   PRIMARY KEY,
	user_id    bigint NOT NULL,
	chat_id    bigint NOT NULL,
	command    text   NOT NULL,
	args       text   NOT NULL DEFAULT '',
	created_at bigint NOT NULL
);

-- Verifications of requesters (verify mode): one per request.
CREATE TABLE verifications (
	chat_id      bigint  NOT NULL,
	user_id      bigint  NOT NULL,
	requested_at bigint  NOT NULL,
	user_chat_id bigint  NOT NULL DEFAULT 0,
	language     text    NOT NULL DEFAULT '',
	answer       integer NOT NULL DEFAULT 0 CHECK (answer BETWEEN 0 AND 3),
	token        text    NOT NULL DEFAULT '',
	via          text    NOT NULL DEFAULT 'message' CHECK (via IN ('message', 'page')),
	message_id   bigint  NOT NULL DEFAULT 0,
	deadline     bigint  NOT NULL,
	state        text    NOT NULL DEFAULT 'pending'
		CHECK (state IN ('pending', 'passed', 'failed', 'timed_out', 'unreachable', 'handled')),
	ended_at     bigint  NOT NULL DEFAULT 0,
	PRIMARY KEY (chat_id, user_id, requested_at)
);

CREATE INDEX verifications_due ON verifications (deadline) WHERE state = 'pending';
CREATE INDEX verifications_unsent ON verifications (requested_at)
	WHERE state = 'pending' AND via = 'message' AND message_id = 0;
CREATE UNIQUE INDEX verifications_token ON verifications (token) WHERE token <> '';

-- The record (PRODUCT.md §7, store.Action), append-only.
CREATE TABLE actions (
	id      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	chat_id bigint NOT NULL,
	at      bigint NOT NULL,
	by_id   bigint NOT NULL DEFAULT 0,
	by_name text   NOT NULL DEFAULT '',
	via     text   NOT NULL DEFAULT '',
	kind    text   NOT NULL CHECK (kind <> ''),
	link    bigint NOT NULL DEFAULT 0,
	subject bigint NOT NULL DEFAULT 0,
	details text   NOT NULL DEFAULT ''
);

CREATE INDEX actions_chat ON actions (chat_id, id);
CREATE INDEX actions_chat_link ON actions (chat_id, link);

-- /logchat: the chat each chat's actions are also posted to.
CREATE TABLE log_chats (
	chat_id     bigint PRIMARY KEY,
	log_chat_id bigint NOT NULL,
	set_by      bigint NOT NULL DEFAULT 0,
	set_at      bigint NOT NULL
);

CREATE INDEX log_chats_log_chat ON log_chats (log_chat_id);

-- The outbox of the log chats.
CREATE TABLE action_posts (
	action_id   bigint PRIMARY KEY REFERENCES actions (id),
	log_chat_id bigint NOT NULL
);

-- The joins counted for the bot's links, one row per join counted.
CREATE TABLE link_joins (
	id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	chat_id          bigint NOT NULL,
	invite_link      text   NOT NULL,
	user_id          bigint NOT NULL,
	first_name       text   NOT NULL DEFAULT '',
	last_name        text   NOT NULL DEFAULT '',
	username         text   NOT NULL DEFAULT '',
	joined_at        bigint NOT NULL,
	approved_by      bigint NOT NULL DEFAULT 0,
	approved_by_name text   NOT NULL DEFAULT '',
	approved_via     text   NOT NULL DEFAULT ''
);

CREATE INDEX link_joins_link ON link_joins (chat_id, invite_link, joined_at);
CREATE INDEX link_joins_chat ON link_joins (chat_id, joined_at);

-- /autorotate: each chat's schedule of primary link rotations.
CREATE TABLE autorotate (
	chat_id bigint PRIMARY KEY,
	every   bigint NOT NULL CHECK (every > 0),
	next_at bigint NOT NULL,
	set_by  bigint NOT NULL DEFAULT 0,
	set_at  bigint NOT NULL
);

CREATE INDEX autorotate_next ON autorotate (next_at);

-- The rotations of the schedules, one per slot.
CREATE TABLE rotations (
	chat_id    bigint  NOT NULL,
	slot       bigint  NOT NULL,
	started_at bigint  NOT NULL,
	previous   text    NOT NULL DEFAULT '',
	done_at    bigint  NOT NULL DEFAULT 0,
	link       bigint  NOT NULL DEFAULT 0,
	notified   boolean NOT NULL DEFAULT false,
	PRIMARY KEY (chat_id, slot)
);

CREATE INDEX rotations_open ON rotations (chat_id, slot) WHERE done_at = 0 OR NOT notified;
