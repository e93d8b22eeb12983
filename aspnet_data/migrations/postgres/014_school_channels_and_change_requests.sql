-- A network's channel for its schools (kind 'schools', the network it belongs to), and the
-- focal points' requests to change their school's themes and levels (see the DuckDB migration).
ALTER TABLE channels DROP CONSTRAINT channels_kind_check;
ALTER TABLE channels ADD CONSTRAINT channels_kind_check
    CHECK (kind IN ('all', 'region', 'project', 'topic', 'schools'));
ALTER TABLE channels ADD COLUMN network TEXT;
CREATE UNIQUE INDEX channels_schools_idx ON channels (network);

CREATE SEQUENCE change_request_id_seq START 1;
CREATE TABLE change_requests (
    id              BIGINT PRIMARY KEY DEFAULT nextval('change_request_id_seq'),
    institution_id  BIGINT NOT NULL,
    network         TEXT NOT NULL,
    themes          TEXT[],
    levels          TEXT[],
    comment         TEXT,
    state           TEXT NOT NULL CHECK (state IN ('pending', 'approved', 'declined', 'replaced')),
    requested_by    TEXT NOT NULL,
    requested_at    TIMESTAMP NOT NULL,
    decided_by      TEXT,
    decided_at      TIMESTAMP,
    reason          TEXT
);
CREATE INDEX change_requests_network_idx ON change_requests (network, state);
CREATE INDEX change_requests_institution_idx ON change_requests (institution_id);
