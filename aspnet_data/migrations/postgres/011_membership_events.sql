-- A school's life in the network, move by move: its candidacy (from an approved application or
-- a re-application), the coordinator's proposal of full membership, UNESCO's confirmation,
-- extension of the candidacy or refusal, and its withdrawal with a reason code. The latest
-- event says where the school stands; the audit log holds the same moves with their before
-- and after.
CREATE SEQUENCE membership_event_id_seq START 1;
CREATE TABLE membership_events (
    id             BIGINT PRIMARY KEY DEFAULT nextval('membership_event_id_seq'),
    institution_id BIGINT NOT NULL,
    network        TEXT NOT NULL,
    action         TEXT NOT NULL,  -- candidacy, proposed, confirmed, extended, declined, withdrawn, reapplied
    status         TEXT NOT NULL,  -- the school's status after the event
    reason         TEXT,           -- a withdrawal's reason code (closed, left, inactive, merged)
    comment        TEXT,
    due_on         DATE,              -- when the candidacy may be proposed for membership (candidacy, extended, declined, reapplied)
    actor          TEXT NOT NULL,
    occurred_at    TIMESTAMP NOT NULL
);
CREATE INDEX membership_events_institution_idx ON membership_events (institution_id, id);
