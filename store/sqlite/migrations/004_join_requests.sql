-- Join requests (store.JoinRequests): one row per chat and user, as
-- Telegram keeps one request per user and chat. Answered requests stay, so
-- that a late update or a second press finds what happened. Times are Unix
-- seconds in UTC; 0 means none.
CREATE TABLE join_requests (
	chat_id      INTEGER NOT NULL,
	user_id      INTEGER NOT NULL,
	first_name   TEXT    NOT NULL DEFAULT '',
	last_name    TEXT    NOT NULL DEFAULT '',
	username     TEXT    NOT NULL DEFAULT '' COLLATE NOCASE,
	bio          TEXT    NOT NULL DEFAULT '',
	-- The URL of the link used, '' if none.
	invite_link  TEXT    NOT NULL DEFAULT '',
	user_chat_id INTEGER NOT NULL DEFAULT 0,
	requested_at INTEGER NOT NULL,
	state        TEXT    NOT NULL DEFAULT 'pending'
		CHECK (state IN ('pending', 'approved', 'declined', 'gone')),
	answered_by  INTEGER NOT NULL DEFAULT 0,
	answered_at  INTEGER NOT NULL DEFAULT 0,
	-- A join was counted for invite_link through this request.
	counted      INTEGER NOT NULL DEFAULT 0 CHECK (counted IN (0, 1)),
	-- The chat_member update of the join through this request was seen.
	joined       INTEGER NOT NULL DEFAULT 0 CHECK (joined IN (0, 1)),
	PRIMARY KEY (chat_id, user_id)
) STRICT;

-- PendingJoinRequests.
CREATE INDEX join_requests_pending ON join_requests (chat_id, requested_at) WHERE state = 'pending';

-- The joins counted through the bot's links, so that the same chat_member
-- update seen twice counts once.
CREATE TABLE joins (
	chat_id     INTEGER NOT NULL,
	user_id     INTEGER NOT NULL,
	invite_link TEXT    NOT NULL,
	joined_at   INTEGER NOT NULL,
	PRIMARY KEY (chat_id, user_id, invite_link, joined_at)
) STRICT;
