-- Gatekeeping (PRODUCT.md §6): what happens to a chat's join requests.
-- join_mode: '' (manual, the default), 'manual', 'auto', 'verify',
-- 'closed'; verify_wait: seconds a verification waits (0: the default);
-- rules: shown to requesters in verify mode ('' for none).
ALTER TABLE chat_settings ADD COLUMN join_mode TEXT NOT NULL DEFAULT ''
	CHECK (join_mode IN ('', 'manual', 'auto', 'verify', 'closed'));
ALTER TABLE chat_settings ADD COLUMN verify_wait INTEGER NOT NULL DEFAULT 0 CHECK (verify_wait >= 0);
ALTER TABLE chat_settings ADD COLUMN rules TEXT NOT NULL DEFAULT '';

-- A link's own join mode (join=), overriding the chat's for requests
-- through it ('' for none).
ALTER TABLE links ADD COLUMN join_mode TEXT NOT NULL DEFAULT ''
	CHECK (join_mode IN ('', 'manual', 'auto', 'verify'));

-- A request's guard-bot query (Bot API 10.1), '' if none; the join mode
-- that handled it ('' for requests from before join modes: manual); and
-- whether the bot could not write to the requester (a verification that
-- could not be delivered: the request waits for an admin).
ALTER TABLE join_requests ADD COLUMN query_id TEXT NOT NULL DEFAULT '';
ALTER TABLE join_requests ADD COLUMN mode TEXT NOT NULL DEFAULT ''
	CHECK (mode IN ('', 'manual', 'auto', 'verify', 'closed'));
ALTER TABLE join_requests ADD COLUMN unreachable INTEGER NOT NULL DEFAULT 0 CHECK (unreachable IN (0, 1));

-- Verifications of requesters (verify mode): one per request. The check is
-- a private message with four buttons, one of them right (answer, 0-3;
-- message_id once sent), or the verification page (via 'page', token);
-- deadline is when it declines; state says how it ended; language is the
-- requester's (Telegram's language_code).
CREATE TABLE verifications (
	chat_id      INTEGER NOT NULL,
	user_id      INTEGER NOT NULL,
	requested_at INTEGER NOT NULL,
	user_chat_id INTEGER NOT NULL DEFAULT 0,
	language     TEXT    NOT NULL DEFAULT '',
	answer       INTEGER NOT NULL DEFAULT 0 CHECK (answer BETWEEN 0 AND 3),
	token        TEXT    NOT NULL DEFAULT '',
	via          TEXT    NOT NULL DEFAULT 'message' CHECK (via IN ('message', 'page')),
	message_id   INTEGER NOT NULL DEFAULT 0,
	deadline     INTEGER NOT NULL,
	state        TEXT    NOT NULL DEFAULT 'pending'
		CHECK (state IN ('pending', 'passed', 'failed', 'timed_out', 'unreachable', 'handled')),
	ended_at     INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (chat_id, user_id, requested_at)
) STRICT;

CREATE INDEX verifications_due ON verifications (deadline) WHERE state = 'pending';
CREATE INDEX verifications_unsent ON verifications (requested_at)
	WHERE state = 'pending' AND via = 'message' AND message_id = 0;
CREATE UNIQUE INDEX verifications_token ON verifications (token) WHERE token <> '';
