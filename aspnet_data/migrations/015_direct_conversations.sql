-- Direct conversations: a channel of kind 'direct' that only its members read (channel_members),
-- started by a coordinator or a UNESCO staff member with one or several people. A member may
-- report a message of their conversation (message_reports): only then may an administrator
-- read that message and hide it. DuckDB cannot change a CHECK constraint, nor drop a table that
-- another points at, so channels and messages are rebuilt with the same columns, keys, checks
-- and indexes, as migration 014 did.

CREATE TEMP TABLE channels_v14 AS SELECT * FROM channels;
CREATE TEMP TABLE messages_v14 AS SELECT * FROM messages;

DROP TABLE messages;
DROP TABLE channels;

CREATE TABLE channels (
    id          BIGINT PRIMARY KEY DEFAULT nextval('channel_id_seq'),
    slug        VARCHAR NOT NULL UNIQUE,
    kind        VARCHAR NOT NULL CHECK (kind IN ('all', 'region', 'project', 'topic', 'schools', 'direct')),
    title       VARCHAR NOT NULL,
    region      VARCHAR REFERENCES regions (code),
    project_id  BIGINT REFERENCES projects (id),
    created_by  VARCHAR NOT NULL,
    created_at  TIMESTAMP NOT NULL,
    network     VARCHAR                      -- the network whose schools read a 'schools' channel
);
INSERT INTO channels SELECT * FROM channels_v14;

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
INSERT INTO messages SELECT * FROM messages_v14;
CREATE INDEX messages_channel_idx ON messages (channel_id, id);

DROP TABLE channels_v14;
DROP TABLE messages_v14;
CREATE UNIQUE INDEX channels_schools_idx ON channels (network);

CREATE TABLE channel_members (
    channel_id  BIGINT NOT NULL,
    username    VARCHAR NOT NULL,
    added_by    VARCHAR NOT NULL,
    added_at    TIMESTAMP NOT NULL,
    PRIMARY KEY (channel_id, username)
);
CREATE INDEX channel_members_user_idx ON channel_members (username);

CREATE SEQUENCE message_report_id_seq START 1;
CREATE TABLE message_reports (
    id           BIGINT PRIMARY KEY DEFAULT nextval('message_report_id_seq'),
    message_id   BIGINT NOT NULL,
    reported_by  VARCHAR NOT NULL,
    reason       VARCHAR NOT NULL,
    reported_at  TIMESTAMP NOT NULL,
    resolved_by  VARCHAR,
    resolved_at  TIMESTAMP,
    UNIQUE (message_id, reported_by)
);
