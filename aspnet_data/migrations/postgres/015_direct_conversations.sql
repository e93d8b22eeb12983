-- Direct conversations (kind 'direct', read by their members only) and members' reports of a
-- message (see the DuckDB migration).
ALTER TABLE channels DROP CONSTRAINT channels_kind_check;
ALTER TABLE channels ADD CONSTRAINT channels_kind_check
    CHECK (kind IN ('all', 'region', 'project', 'topic', 'schools', 'direct'));

CREATE TABLE channel_members (
    channel_id  BIGINT NOT NULL,
    username    TEXT NOT NULL,
    added_by    TEXT NOT NULL,
    added_at    TIMESTAMP NOT NULL,
    PRIMARY KEY (channel_id, username)
);
CREATE INDEX channel_members_user_idx ON channel_members (username);

CREATE SEQUENCE message_report_id_seq START 1;
CREATE TABLE message_reports (
    id           BIGINT PRIMARY KEY DEFAULT nextval('message_report_id_seq'),
    message_id   BIGINT NOT NULL,
    reported_by  TEXT NOT NULL,
    reason       TEXT NOT NULL,
    reported_at  TIMESTAMP NOT NULL,
    resolved_by  TEXT,
    resolved_at  TIMESTAMP,
    UNIQUE (message_id, reported_by)
);
