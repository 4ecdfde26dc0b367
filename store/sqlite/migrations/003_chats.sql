-- The groups, supergroups and channels the bot is in, from the my_chat_member
-- updates about the bot (store.Chats). Times are Unix seconds in UTC.
CREATE TABLE chats (
	id             INTEGER PRIMARY KEY,
	type           TEXT    NOT NULL,
	title          TEXT    NOT NULL DEFAULT '',
	-- Without '@'. Telegram usernames are ASCII, so NOCASE compares them
	-- the way Telegram does.
	username       TEXT    NOT NULL DEFAULT '' COLLATE NOCASE,
	bot_status     TEXT    NOT NULL,
	bot_can_invite INTEGER NOT NULL DEFAULT 0 CHECK (bot_can_invite IN (0, 1)),
	updated_at     INTEGER NOT NULL
) STRICT;

-- ChatByUsername.
CREATE INDEX chats_username ON chats (username) WHERE username <> '';

-- The chat each user's commands in a private chat act on (/use).
CREATE TABLE chosen_chats (
	user_id   INTEGER PRIMARY KEY,
	chat_id   INTEGER NOT NULL,
	chosen_at INTEGER NOT NULL
) STRICT;

-- MoveChat.
CREATE INDEX chosen_chats_chat_id ON chosen_chats (chat_id);
