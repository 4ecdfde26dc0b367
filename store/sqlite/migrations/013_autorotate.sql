-- /autorotate (PRODUCT.md §7): each chat's schedule of primary link
-- rotations: every (seconds) and the next slot (next_at, Unix seconds).
CREATE TABLE autorotate (
	chat_id INTEGER PRIMARY KEY,
	every   INTEGER NOT NULL CHECK (every > 0),
	next_at INTEGER NOT NULL,
	set_by  INTEGER NOT NULL DEFAULT 0,
	set_at  INTEGER NOT NULL
) STRICT;

CREATE INDEX autorotate_next ON autorotate (next_at);

-- The rotations of the schedules, one per slot: written as started before
-- Telegram is asked, with the primary link Telegram had then (previous),
-- so that a slot never rotates twice; done with the new link (its #N) in
-- the transaction that stores it; notified once the admins who asked were
-- told.
CREATE TABLE rotations (
	chat_id    INTEGER NOT NULL,
	slot       INTEGER NOT NULL,
	started_at INTEGER NOT NULL,
	previous   TEXT    NOT NULL DEFAULT '',
	done_at    INTEGER NOT NULL DEFAULT 0,
	link       INTEGER NOT NULL DEFAULT 0,
	notified   INTEGER NOT NULL DEFAULT 0 CHECK (notified IN (0, 1)),
	PRIMARY KEY (chat_id, slot)
) STRICT;

CREATE INDEX rotations_open ON rotations (chat_id, slot) WHERE done_at = 0 OR notified = 0;
