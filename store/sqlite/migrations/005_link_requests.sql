-- The command that asked for a link (its chat and message), so that a
-- command handled again after a crash finds the link it made instead of
-- making a second one.
ALTER TABLE links ADD COLUMN request TEXT NOT NULL DEFAULT '';
CREATE UNIQUE INDEX links_request ON links (request) WHERE request <> '';
