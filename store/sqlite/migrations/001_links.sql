-- The invite links the bot made or exported, one row per link.
-- Times are Unix seconds in UTC; 0 means none (never expires, never edited,
-- not revoked). Rows are never deleted, so a chat's numbers are never reused.
CREATE TABLE links (
	id           INTEGER PRIMARY KEY,
	chat_id      INTEGER NOT NULL,
	number       INTEGER NOT NULL CHECK (number > 0),
	url          TEXT    NOT NULL UNIQUE CHECK (url <> ''),
	name         TEXT    NOT NULL DEFAULT '',
	-- name_key is strings.ToLower(name), computed in Go: SQLite's lower()
	-- only knows ASCII.
	name_key     TEXT    NOT NULL DEFAULT '',
	expires_at   INTEGER NOT NULL DEFAULT 0,
	member_limit INTEGER NOT NULL DEFAULT 0 CHECK (member_limit >= 0),
	join_request INTEGER NOT NULL DEFAULT 0 CHECK (join_request IN (0, 1)),
	is_primary   INTEGER NOT NULL DEFAULT 0 CHECK (is_primary IN (0, 1)),
	created_by   INTEGER NOT NULL,
	created_at   INTEGER NOT NULL,
	edited_by    INTEGER NOT NULL DEFAULT 0,
	edited_at    INTEGER NOT NULL DEFAULT 0,
	revoked_by   INTEGER NOT NULL DEFAULT 0,
	revoked_at   INTEGER NOT NULL DEFAULT 0,
	joins        INTEGER NOT NULL DEFAULT 0,
	-- Also the index for Link, ListLinks and the next number (MAX(number)).
	UNIQUE (chat_id, number)
) STRICT;

-- LinksByName.
CREATE INDEX links_chat_id_name_key ON links (chat_id, name_key);
