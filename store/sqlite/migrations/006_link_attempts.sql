-- Commands that began asking Telegram for a new link. A command handled
-- again after a crash that finds its attempt here but no link cannot know
-- whether Telegram made one, and must not ask again.
CREATE TABLE link_attempts (
	request    TEXT    PRIMARY KEY,
	started_at INTEGER NOT NULL
) STRICT;
