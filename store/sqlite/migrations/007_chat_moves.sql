-- Groups upgraded to supergroups (MoveChat): from_id is the group's old ID,
-- to_id the supergroup's. A command in flight during the upgrade still holds
-- the old ID; what it reads or writes under it goes to the new one.
CREATE TABLE chat_moves (
	from_id INTEGER PRIMARY KEY,
	to_id   INTEGER NOT NULL
) STRICT;
