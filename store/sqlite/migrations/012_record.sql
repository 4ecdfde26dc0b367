-- The record (PRODUCT.md §7, store.Action): every action that changed
-- something, written in the transaction of the change. Append-only: rows
-- are never changed or deleted (but for a group's upgrade, which moves
-- them). by_id 0: no person; via: what acted then ('schedule', a join
-- mode) or how ('telegram'); link: the link's #N, 0 if none; subject: the
-- person acted on, 0 if none. at is Unix seconds in UTC.
CREATE TABLE actions (
	id      INTEGER PRIMARY KEY,
	chat_id INTEGER NOT NULL,
	at      INTEGER NOT NULL,
	by_id   INTEGER NOT NULL DEFAULT 0,
	by_name TEXT    NOT NULL DEFAULT '',
	via     TEXT    NOT NULL DEFAULT '',
	kind    TEXT    NOT NULL CHECK (kind <> ''),
	link    INTEGER NOT NULL DEFAULT 0,
	subject INTEGER NOT NULL DEFAULT 0,
	details TEXT    NOT NULL DEFAULT ''
) STRICT;

-- Actions, newest first.
CREATE INDEX actions_chat ON actions (chat_id, id);

-- /logchat: the chat each chat's actions are also posted to.
CREATE TABLE log_chats (
	chat_id     INTEGER PRIMARY KEY,
	log_chat_id INTEGER NOT NULL,
	set_by      INTEGER NOT NULL DEFAULT 0,
	set_at      INTEGER NOT NULL
) STRICT;

CREATE INDEX log_chats_log_chat ON log_chats (log_chat_id);

-- The outbox of the log chats: an action to post, written with the
-- action, struck off once posted.
CREATE TABLE action_posts (
	action_id   INTEGER PRIMARY KEY REFERENCES actions (id),
	log_chat_id INTEGER NOT NULL
) STRICT;

-- The joins counted for the bot's links, one row per join counted (so
-- that links.joins is their number), with who joined, as they were named
-- then, and who approved them (a person, by ID and as the record names
-- them; or a join mode, approved_via). /link, /export and /stats read it.
CREATE TABLE link_joins (
	id               INTEGER PRIMARY KEY,
	chat_id          INTEGER NOT NULL,
	invite_link      TEXT    NOT NULL,
	user_id          INTEGER NOT NULL,
	first_name       TEXT    NOT NULL DEFAULT '',
	last_name        TEXT    NOT NULL DEFAULT '',
	username         TEXT    NOT NULL DEFAULT '',
	joined_at        INTEGER NOT NULL,
	approved_by      INTEGER NOT NULL DEFAULT 0,
	approved_by_name TEXT    NOT NULL DEFAULT '',
	approved_via     TEXT    NOT NULL DEFAULT ''
) STRICT;

CREATE INDEX link_joins_link ON link_joins (chat_id, invite_link, joined_at);
CREATE INDEX link_joins_chat ON link_joins (chat_id, joined_at);

-- The joins counted before this table: approved requests with their
-- names, then the joins of chat_member updates that no approval counted.
INSERT INTO link_joins (chat_id, invite_link, user_id, first_name, last_name, username, joined_at, approved_by)
	SELECT chat_id, invite_link, user_id, first_name, last_name, username, answered_at, answered_by
	FROM join_requests WHERE counted = 1 AND invite_link <> '';
INSERT INTO link_joins (chat_id, invite_link, user_id, joined_at)
	SELECT j.chat_id, j.invite_link, j.user_id, j.joined_at FROM joins j
	WHERE EXISTS (SELECT 1 FROM links l WHERE l.chat_id = j.chat_id AND l.url = j.invite_link)
	AND NOT EXISTS (SELECT 1 FROM join_requests r WHERE r.chat_id = j.chat_id AND r.user_id = j.user_id
		AND r.counted = 1 AND r.invite_link = j.invite_link);

-- A subscription link's price in Telegram Stars per 30 days (price=), 0
-- for other links.
ALTER TABLE links ADD COLUMN price INTEGER NOT NULL DEFAULT 0 CHECK (price >= 0);
