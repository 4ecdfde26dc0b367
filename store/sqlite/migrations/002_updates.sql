-- The journal of updates in hand (store.Updates).
CREATE TABLE updates (
	update_id   INTEGER PRIMARY KEY,
	raw         BLOB    NOT NULL,
	received_at INTEGER NOT NULL
) STRICT;

-- Small named values: 'last_update_id' is the highest update ID accounted for.
CREATE TABLE state (
	key   TEXT    PRIMARY KEY,
	value INTEGER NOT NULL
) STRICT;
