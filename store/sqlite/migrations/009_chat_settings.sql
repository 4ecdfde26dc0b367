-- What the admins of a chat set for it (store.ChatSettings), one row per
-- chat that set anything. '' means the default.
CREATE TABLE chat_settings (
	chat_id    INTEGER PRIMARY KEY,
	-- /language: a language code of the catalogs.
	language   TEXT    NOT NULL DEFAULT '',
	-- /replies: 'private' or 'chat'.
	replies    TEXT    NOT NULL DEFAULT '' CHECK (replies IN ('', 'private', 'chat')),
	updated_by INTEGER NOT NULL DEFAULT 0,
	updated_at INTEGER NOT NULL DEFAULT 0
) STRICT;
