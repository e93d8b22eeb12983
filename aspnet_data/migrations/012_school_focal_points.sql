-- School focal points: a teacher or the head of one school, invited by the network's
-- coordinator, who keeps the school's public details and reports for it. users gains the role
-- and the school (institution_id). DuckDB cannot change a CHECK constraint, nor drop a table
-- that others point at, so users and the tables that point at it (and, through projects and
-- channels, at each other) are rebuilt as migration 005 did, with the same columns, keys,
-- checks and index.
--
-- An invitation is a one-time secret sent by mail: only its sha256 is stored; it sets the
-- account's password once, before it expires, unless a newer invitation replaced it.

CREATE TEMP TABLE users_v11 AS SELECT * FROM users;
CREATE TEMP TABLE sessions_v11 AS SELECT * FROM sessions;
CREATE TEMP TABLE projects_v11 AS SELECT * FROM projects;
CREATE TEMP TABLE project_members_v11 AS SELECT * FROM project_members;
CREATE TEMP TABLE channels_v11 AS SELECT * FROM channels;
CREATE TEMP TABLE messages_v11 AS SELECT * FROM messages;

DROP TABLE messages;
DROP TABLE channels;
DROP TABLE project_members;
DROP TABLE projects;
DROP TABLE sessions;
DROP TABLE users;

CREATE TABLE users (
    username              VARCHAR PRIMARY KEY,
    display_name          VARCHAR NOT NULL,
    email                 VARCHAR,
    role                  VARCHAR NOT NULL CHECK (role IN ('admin', 'coordinator', 'analyst', 'focal_point')),
    network               VARCHAR,          -- a network's iso3 (checked by accounts, no foreign key)
    password_hash         VARCHAR NOT NULL,
    disabled              BOOLEAN NOT NULL DEFAULT false,
    must_change_password  BOOLEAN NOT NULL DEFAULT false,
    failed_attempts       INTEGER NOT NULL DEFAULT 0,
    locked_until          TIMESTAMP,
    language              VARCHAR NOT NULL DEFAULT 'en',
    created_at            TIMESTAMP NOT NULL,
    last_login_at         TIMESTAMP,
    institution_id        BIGINT            -- a focal point's school
);
INSERT INTO users (username, display_name, email, role, network, password_hash, disabled, must_change_password,
                   failed_attempts, locked_until, language, created_at, last_login_at)
SELECT username, display_name, email, role, network, password_hash, disabled, must_change_password,
       failed_attempts, locked_until, language, created_at, last_login_at
FROM users_v11;

CREATE TABLE sessions (
    session_key  VARCHAR PRIMARY KEY,
    username     VARCHAR NOT NULL REFERENCES users (username),
    created_at   TIMESTAMP NOT NULL,
    expires_at   TIMESTAMP NOT NULL,
    last_seen_at TIMESTAMP NOT NULL,
    revoked_at   TIMESTAMP
);
INSERT INTO sessions SELECT * FROM sessions_v11;

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
INSERT INTO projects SELECT * FROM projects_v11;

CREATE TABLE project_members (
    project_id      BIGINT NOT NULL REFERENCES projects (id),
    institution_id  BIGINT NOT NULL,
    state           VARCHAR NOT NULL CHECK (state IN ('requested', 'member', 'declined')),
    added_by        VARCHAR NOT NULL,
    added_at        TIMESTAMP NOT NULL,
    PRIMARY KEY (project_id, institution_id)
);
INSERT INTO project_members SELECT * FROM project_members_v11;

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
INSERT INTO channels SELECT * FROM channels_v11;

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
INSERT INTO messages SELECT * FROM messages_v11;
CREATE INDEX messages_channel_idx ON messages (channel_id, id);

DROP TABLE users_v11;
DROP TABLE sessions_v11;
DROP TABLE projects_v11;
DROP TABLE project_members_v11;
DROP TABLE channels_v11;
DROP TABLE messages_v11;

CREATE TABLE invitations (
    token_hash     VARCHAR PRIMARY KEY,
    username       VARCHAR NOT NULL,
    institution_id BIGINT NOT NULL,
    email          VARCHAR NOT NULL,
    created_by     VARCHAR NOT NULL,
    created_at     TIMESTAMP NOT NULL,
    expires_at     TIMESTAMP NOT NULL,
    used_at        TIMESTAMP,
    revoked_at     TIMESTAMP
);
CREATE INDEX invitations_username_idx ON invitations (username);
