-- ASPnet Atlas schema, version 1.
-- Sets (education levels, themes, languages) are VARCHAR lists whose values are checked
-- against the allowed codes; coordinates are DOUBLE (pydeck needs numbers, not DECIMAL).

CREATE TABLE IF NOT EXISTS schema_migrations (
    version     INTEGER PRIMARY KEY,
    name        VARCHAR NOT NULL,
    applied_at  TIMESTAMP NOT NULL
);

CREATE TABLE meta (
    key    VARCHAR PRIMARY KEY,
    value  VARCHAR
);
INSERT INTO meta VALUES ('data_version', '0'), ('data_updated_at', NULL), ('demo_seed', NULL);

CREATE TABLE regions (
    code     VARCHAR PRIMARY KEY,
    name_en  VARCHAR NOT NULL,
    name_fr  VARCHAR NOT NULL,
    name_es  VARCHAR NOT NULL
);

CREATE TABLE countries (
    iso3             VARCHAR PRIMARY KEY,
    iso2             VARCHAR NOT NULL UNIQUE,
    iso_numeric      INTEGER,
    name_en          VARCHAR NOT NULL,
    name_fr          VARCHAR NOT NULL,
    name_es          VARCHAR NOT NULL,
    unesco_status    VARCHAR NOT NULL CHECK (unesco_status IN ('member', 'associate')),
    region           VARCHAR NOT NULL REFERENCES regions (code),
    electoral_group  VARCHAR,
    capital          VARCHAR,
    capital_lat      DOUBLE,
    capital_lon      DOUBLE,
    population       BIGINT,
    language         VARCHAR,
    script           VARCHAR,
    has_outline      BOOLEAN NOT NULL DEFAULT false
);

-- One national network per country, run by its National Coordinator(s).
CREATE TABLE networks (
    iso3                 VARCHAR PRIMARY KEY REFERENCES countries (iso3),
    national_commission  VARCHAR NOT NULL,
    coordinator_name     VARCHAR,
    coordinator_email    VARCHAR,
    coordinator_phone    VARCHAR,          -- private: coordinators and UNESCO staff only
    website              VARCHAR,
    description          VARCHAR,
    founded_year         INTEGER,
    updated_at           TIMESTAMP NOT NULL,
    updated_by           VARCHAR,
    version              INTEGER NOT NULL DEFAULT 1
);

CREATE SEQUENCE institution_id_seq START 1;
CREATE TABLE institutions (
    id              BIGINT PRIMARY KEY DEFAULT nextval('institution_id_seq'),
    network         VARCHAR NOT NULL REFERENCES networks (iso3),
    name            VARCHAR NOT NULL,          -- in its original script
    name_latin      VARCHAR NOT NULL,          -- Latin transliteration (equal to name for Latin scripts)
    search_text     VARCHAR NOT NULL,          -- folded: lower case, no accents, ASCII (see text.fold)
    city            VARCHAR,
    latitude        DOUBLE,
    longitude       DOUBLE,
    levels          VARCHAR[] NOT NULL,        -- subset of pre_primary, primary, secondary, tvet, teacher_training
    ownership       VARCHAR NOT NULL CHECK (ownership IN ('public', 'private')),
    themes          VARCHAR[] NOT NULL,        -- subset of esd, gced, heritage
    status          VARCHAR NOT NULL CHECK (status IN ('candidate', 'member', 'withdrawn')),
    year_joined     INTEGER,                   -- NULL while a candidate
    withdrawn_year  INTEGER,
    languages       VARCHAR[] NOT NULL,        -- ISO 639-1 codes
    pupils          INTEGER CHECK (pupils IS NULL OR pupils >= 0),
    teachers        INTEGER CHECK (teachers IS NULL OR teachers >= 0),
    website         VARCHAR,
    email           VARCHAR,
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL,
    updated_by      VARCHAR,
    version         INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE users (
    username              VARCHAR PRIMARY KEY,
    display_name          VARCHAR NOT NULL,
    email                 VARCHAR,
    role                  VARCHAR NOT NULL CHECK (role IN ('admin', 'coordinator', 'analyst')),
    network               VARCHAR REFERENCES networks (iso3),
    password_hash         VARCHAR NOT NULL,
    disabled              BOOLEAN NOT NULL DEFAULT false,
    must_change_password  BOOLEAN NOT NULL DEFAULT false,
    failed_attempts       INTEGER NOT NULL DEFAULT 0,
    locked_until          TIMESTAMP,
    language              VARCHAR NOT NULL DEFAULT 'en',
    created_at            TIMESTAMP NOT NULL,
    last_login_at         TIMESTAMP
);

CREATE SEQUENCE audit_id_seq START 1;
CREATE TABLE audit_log (
    id         BIGINT PRIMARY KEY DEFAULT nextval('audit_id_seq'),
    occurred_at TIMESTAMP NOT NULL,
    actor      VARCHAR NOT NULL,
    action     VARCHAR NOT NULL,               -- e.g. institution.update
    entity     VARCHAR NOT NULL,               -- table name
    entity_id  VARCHAR NOT NULL,
    before     JSON,
    after      JSON
);

CREATE SEQUENCE application_id_seq START 1;
CREATE TABLE applications (
    id               BIGINT PRIMARY KEY DEFAULT nextval('application_id_seq'),
    reference        VARCHAR NOT NULL UNIQUE,  -- unguessable code given to the applicant
    network          VARCHAR NOT NULL REFERENCES networks (iso3),
    institution_name VARCHAR NOT NULL,
    name_latin       VARCHAR NOT NULL,
    city             VARCHAR,
    address          VARCHAR,
    latitude         DOUBLE,
    longitude        DOUBLE,
    levels           VARCHAR[] NOT NULL,
    ownership        VARCHAR NOT NULL CHECK (ownership IN ('public', 'private')),
    languages        VARCHAR[] NOT NULL,
    pupils           INTEGER,
    teachers         INTEGER,
    themes           VARCHAR[] NOT NULL,
    theme_plans      JSON,                     -- {"esd": "what the school plans", ...}
    contact_name     VARCHAR NOT NULL,
    contact_email    VARCHAR NOT NULL,
    language         VARCHAR NOT NULL DEFAULT 'en',
    stage            VARCHAR NOT NULL CHECK (stage IN (
                        'draft', 'submitted', 'returned', 'recommended', 'declined_coordinator',
                        'approved', 'declined_unesco', 'withdrawn')),
    institution_id   BIGINT,                   -- set on approval
    created_at       TIMESTAMP NOT NULL,
    submitted_at     TIMESTAMP,
    updated_at       TIMESTAMP NOT NULL,
    version          INTEGER NOT NULL DEFAULT 1
);

CREATE SEQUENCE application_event_id_seq START 1;
CREATE TABLE application_events (
    id              BIGINT PRIMARY KEY DEFAULT nextval('application_event_id_seq'),
    application_id  BIGINT NOT NULL REFERENCES applications (id),
    occurred_at     TIMESTAMP NOT NULL,
    stage           VARCHAR NOT NULL,
    actor           VARCHAR NOT NULL,
    comment         VARCHAR
);

CREATE SEQUENCE project_id_seq START 1;
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

CREATE TABLE project_members (
    project_id      BIGINT NOT NULL REFERENCES projects (id),
    institution_id  BIGINT NOT NULL REFERENCES institutions (id),
    state           VARCHAR NOT NULL CHECK (state IN ('requested', 'member', 'declined')),
    added_by        VARCHAR NOT NULL,
    added_at        TIMESTAMP NOT NULL,
    PRIMARY KEY (project_id, institution_id)
);

CREATE SEQUENCE channel_id_seq START 1;
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

CREATE SEQUENCE message_id_seq START 1;
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

CREATE SEQUENCE outbox_id_seq START 1;
CREATE TABLE outbox (
    id          BIGINT PRIMARY KEY DEFAULT nextval('outbox_id_seq'),
    to_email    VARCHAR NOT NULL,
    subject     VARCHAR NOT NULL,
    body        VARCHAR NOT NULL,
    created_at  TIMESTAMP NOT NULL,
    sent_at     TIMESTAMP
);
