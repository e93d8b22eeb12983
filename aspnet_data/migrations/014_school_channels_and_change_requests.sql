-- A network's channel for its schools: its coordinator opens it and writes there, the focal
-- points of the network's schools read it (channels gains the kind 'schools' and the network it
-- belongs to). DuckDB cannot change a CHECK constraint, nor drop a table that another points at,
-- so channels and messages (which points at it) are rebuilt with the same columns, keys, checks
-- and index, as migration 012 did.
--
-- change_requests: what a focal point asks to change in their school that only the coordinator
-- decides (its themes and education levels): the values asked for, approved (and then applied,
-- audited as any change) or declined with a reason.

CREATE TEMP TABLE channels_v13 AS SELECT * FROM channels;
CREATE TEMP TABLE messages_v13 AS SELECT * FROM messages;

DROP TABLE messages;
DROP TABLE channels;

CREATE TABLE channels (
    id          BIGINT PRIMARY KEY DEFAULT nextval('channel_id_seq'),
    slug        VARCHAR NOT NULL UNIQUE,
    kind        VARCHAR NOT NULL CHECK (kind IN ('all', 'region', 'project', 'topic', 'schools')),
    title       VARCHAR NOT NULL,
    region      VARCHAR REFERENCES regions (code),
    project_id  BIGINT REFERENCES projects (id),
    created_by  VARCHAR NOT NULL,
    created_at  TIMESTAMP NOT NULL,
    network     VARCHAR                      -- the network whose schools read a 'schools' channel
);
INSERT INTO channels (id, slug, kind, title, region, project_id, created_by, created_at)
SELECT id, slug, kind, title, region, project_id, created_by, created_at FROM channels_v13;

CREATE TABLE messages (
    id             BIGINT PRIMARY KEY DEFAULT nextval('message_id_seq'),
    channel_id     BIGINT NOT NULL REFERENCES channels (id),
    thread_id      BIGINT,                      -- NULL for a thread's first message
    author         VARCHAR NOT NULL REFERENCES users (username),
    body           VARCHAR NOT NULL,
    created_at     TIMESTAMP NOT NULL,
    edited_at      TIMESTAMP,
    deleted_at     TIMESTAMP,
    hidden_reason  VARCHAR
);
INSERT INTO messages SELECT * FROM messages_v13;
CREATE INDEX messages_channel_idx ON messages (channel_id, id);

DROP TABLE channels_v13;
DROP TABLE messages_v13;
CREATE UNIQUE INDEX channels_schools_idx ON channels (network);

CREATE SEQUENCE change_request_id_seq START 1;
CREATE TABLE change_requests (
    id              BIGINT PRIMARY KEY DEFAULT nextval('change_request_id_seq'),
    institution_id  BIGINT NOT NULL,
    network         VARCHAR NOT NULL,
    themes          VARCHAR[],                  -- asked for (NULL: unchanged)
    levels          VARCHAR[],
    comment         VARCHAR,                    -- the school's reason
    state           VARCHAR NOT NULL CHECK (state IN ('pending', 'approved', 'declined', 'replaced')),
    requested_by    VARCHAR NOT NULL,
    requested_at    TIMESTAMP NOT NULL,
    decided_by      VARCHAR,
    decided_at      TIMESTAMP,
    reason          VARCHAR                     -- the coordinator's, when declined
);
CREATE INDEX change_requests_network_idx ON change_requests (network, state);
CREATE INDEX change_requests_institution_idx ON change_requests (institution_id);
