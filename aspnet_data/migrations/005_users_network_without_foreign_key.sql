-- DuckDB executes an UPDATE of a column that has an index (every foreign key has one) as
-- delete + insert, which the foreign keys pointing at the row refuse: assigning another
-- network to a coordinator who had ever logged in (sessions) or posted (messages) failed.
-- users.network keeps its values but not its foreign key (accounts checks that the network
-- exists, as for the tables of migration 003). DuckDB cannot drop a constraint, nor a table
-- that others point at, so the tables that point at users (and, through projects and
-- channels, at each other) are rebuilt with the same columns, keys, checks and index.

CREATE TEMP TABLE users_v4 AS SELECT * FROM users;
CREATE TEMP TABLE sessions_v4 AS SELECT * FROM sessions;
CREATE TEMP TABLE projects_v4 AS SELECT * FROM projects;
CREATE TEMP TABLE project_members_v4 AS SELECT * FROM project_members;
CREATE TEMP TABLE channels_v4 AS SELECT * FROM channels;
CREATE TEMP TABLE messages_v4 AS SELECT * FROM messages;

DROP TABLE messages;
DROP TABLE channels;
DROP TABLE project_members;
-- Migration 003 renamed project_members_v3 to project_members, but projects still lists the
-- old name among the tables that point at it, and refuses to be dropped while it does.
-- Creating and dropping a table of that name clears the entry (a no-op where there is none).
CREATE TABLE project_members_v3 (project_id BIGINT REFERENCES projects (id));
DROP TABLE project_members_v3;
DROP TABLE projects;
DROP TABLE sessions;
DROP TABLE users;

CREATE TABLE users (
    username              VARCHAR PRIMARY KEY,
    display_name          VARCHAR NOT NULL,
    email                 VARCHAR,
    role                  VARCHAR NOT NULL CHECK (role IN ('admin', 'coordinator', 'analyst')),
    network               VARCHAR,          -- a network's iso3 (checked by accounts, no foreign key)
    password_hash         VARCHAR NOT NULL,
    disabled              BOOLEAN NOT NULL DEFAULT false,
    must_change_password  BOOLEAN NOT NULL DEFAULT false,
    failed_attempts       INTEGER NOT NULL DEFAULT 0,
    locked_until          TIMESTAMP,
    language              VARCHAR NOT NULL DEFAULT 'en',
    created_at            TIMESTAMP NOT NULL,
    last_login_at         TIMESTAMP
);
INSERT INTO users SELECT * FROM users_v4;

CREATE TABLE sessions (
    session_key  VARCHAR PRIMARY KEY,
    username     VARCHAR NOT NULL REFERENCES users (username),
    created_at   TIMESTAMP NOT NULL,
    expires_at   TIMESTAMP NOT NULL,
    last_seen_at TIMESTAMP NOT NULL,
    revoked_at   TIMESTAMP
);
INSERT INTO sessions SELECT * FROM sessions_v4;

CREATE TABLE projects (
    id           BIGINT PRIMARY KEY DEFAULT nextval('project_id_seq'),
    title        VARCHAR NOT NULL,
    description  VARCHAR,
    themes       VARCHAR[] NOT NULL,
    languages    VARCHAR[] NOT NULL,
    start_date   DATE,
    end_date     DATE,
    status       VARCHAR NOT NULL CHECK (status IN ('open', 'active', 'closed')),
    owner        VARCHAR NOT NULL REFERENCES users (username),
    network      VARCHAR REFERENCES networks (iso3),
    created_at   TIMESTAMP NOT NULL,
    updated_at   TIMESTAMP NOT NULL,
    version      INTEGER NOT NULL DEFAULT 1
);
INSERT INTO projects SELECT * FROM projects_v4;

CREATE TABLE project_members (
    project_id      BIGINT NOT NULL REFERENCES projects (id),
    institution_id  BIGINT NOT NULL,
    state           VARCHAR NOT NULL CHECK (state IN ('requested', 'member', 'declined')),
    added_by        VARCHAR NOT NULL,
    added_at        TIMESTAMP NOT NULL,
    PRIMARY KEY (project_id, institution_id)
);
INSERT INTO project_members SELECT * FROM project_members_v4;

CREATE TABLE channels (
    id          BIGINT PRIMARY KEY DEFAULT nextval('channel_id_seq'),
    slug        VARCHAR NOT NULL UNIQUE,
    kind        VARCHAR NOT NULL CHECK (kind IN ('all', 'region', 'project', 'topic')),
    title       VARCHAR NOT NULL,
    region      VARCHAR REFERENCES regions (code),
    project_id  BIGINT REFERENCES projects (id),
    created_by  VARCHAR NOT NULL,
    created_at  TIMESTAMP NOT NULL
);
INSERT INTO channels SELECT * FROM channels_v4;

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
INSERT INTO messages SELECT * FROM messages_v4;
CREATE INDEX messages_channel_idx ON messages (channel_id, id);

DROP TABLE users_v4;
DROP TABLE sessions_v4;
DROP TABLE projects_v4;
DROP TABLE project_members_v4;
DROP TABLE channels_v4;
DROP TABLE messages_v4;
