-- ASPnet Atlas schema on PostgreSQL: the tables of DuckDB's migrations 001 to 009 as they stand
-- after 009 (PostgreSQL needs none of the table rebuilds that DuckDB's foreign keys forced), plus
-- row_changes, the change feed from which each replica keeps its DuckDB analytic copy fresh.
-- Later migrations are written for both engines under the same number.

-- DuckDB's strip_accents, which the data layer's searches use, from the unaccent extension
-- (shipped with PostgreSQL, trusted: a database owner may create it).
CREATE EXTENSION IF NOT EXISTS unaccent;
CREATE FUNCTION strip_accents(text) RETURNS text LANGUAGE sql STABLE PARALLEL SAFE AS $$ SELECT unaccent($1) $$;

CREATE TABLE IF NOT EXISTS schema_migrations (
    version     INTEGER PRIMARY KEY,
    name        TEXT NOT NULL,
    applied_at  TIMESTAMP NOT NULL
);

CREATE TABLE meta (
    key    TEXT PRIMARY KEY,
    value  TEXT
);
INSERT INTO meta VALUES ('data_version', '0'), ('data_updated_at', NULL), ('demo_seed', NULL),
    ('changes_kept_from', '0');

CREATE TABLE regions (
    code     TEXT PRIMARY KEY,
    name_en  TEXT NOT NULL,
    name_fr  TEXT NOT NULL,
    name_es  TEXT NOT NULL
);

CREATE TABLE countries (
    iso3             TEXT PRIMARY KEY,
    iso2             TEXT NOT NULL UNIQUE,
    iso_numeric      INTEGER,
    name_en          TEXT NOT NULL,
    name_fr          TEXT NOT NULL,
    name_es          TEXT NOT NULL,
    unesco_status    TEXT NOT NULL CHECK (unesco_status IN ('member', 'associate')),
    region           TEXT NOT NULL REFERENCES regions (code),
    electoral_group  TEXT,
    capital          TEXT,
    capital_lat      DOUBLE PRECISION,
    capital_lon      DOUBLE PRECISION,
    population       BIGINT,
    language         TEXT,
    script           TEXT,
    has_outline      BOOLEAN NOT NULL DEFAULT false
);

CREATE TABLE networks (
    iso3                  TEXT PRIMARY KEY REFERENCES countries (iso3),
    national_commission   TEXT NOT NULL,
    coordinator_name      TEXT,
    coordinator_email     TEXT,
    coordinator_phone     TEXT,
    website               TEXT,
    description           TEXT,
    founded_year          INTEGER,
    updated_at            TIMESTAMP NOT NULL,
    updated_by            TEXT,
    version               INTEGER NOT NULL DEFAULT 1,
    description_language  TEXT,
    description_en        TEXT,
    description_fr        TEXT,
    description_es        TEXT
);

CREATE SEQUENCE institution_id_seq START 1;
CREATE TABLE institutions (
    id              BIGINT PRIMARY KEY DEFAULT nextval('institution_id_seq'),
    network         TEXT NOT NULL REFERENCES networks (iso3),
    name            TEXT NOT NULL,
    name_latin      TEXT NOT NULL,
    search_text     TEXT NOT NULL,
    city            TEXT,
    latitude        DOUBLE PRECISION,
    longitude       DOUBLE PRECISION,
    levels          TEXT[] NOT NULL,
    ownership       TEXT NOT NULL CHECK (ownership IN ('public', 'private')),
    themes          TEXT[] NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('candidate', 'member', 'withdrawn')),
    year_joined     INTEGER,
    withdrawn_year  INTEGER,
    languages       TEXT[] NOT NULL,
    pupils          INTEGER CHECK (pupils IS NULL OR pupils >= 0),
    teachers        INTEGER CHECK (teachers IS NULL OR teachers >= 0),
    website         TEXT,
    email           TEXT,
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL,
    updated_by      TEXT,
    version         INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX institutions_network_idx ON institutions (network);

CREATE TABLE certificates (
    number          TEXT PRIMARY KEY,
    institution_id  BIGINT NOT NULL UNIQUE,
    network         TEXT NOT NULL,
    year            INTEGER NOT NULL,
    sequence        INTEGER NOT NULL CHECK (sequence > 0),
    issued_on       DATE NOT NULL
);

CREATE TABLE users (
    username              TEXT PRIMARY KEY,
    display_name          TEXT NOT NULL,
    email                 TEXT,
    role                  TEXT NOT NULL CHECK (role IN ('admin', 'coordinator', 'analyst')),
    network               TEXT,
    password_hash         TEXT NOT NULL,
    disabled              BOOLEAN NOT NULL DEFAULT false,
    must_change_password  BOOLEAN NOT NULL DEFAULT false,
    failed_attempts       INTEGER NOT NULL DEFAULT 0,
    locked_until          TIMESTAMP,
    language              TEXT NOT NULL DEFAULT 'en',
    created_at            TIMESTAMP NOT NULL,
    last_login_at         TIMESTAMP
);

CREATE TABLE sessions (
    session_key   TEXT PRIMARY KEY,
    username      TEXT NOT NULL REFERENCES users (username),
    created_at    TIMESTAMP NOT NULL,
    expires_at    TIMESTAMP NOT NULL,
    last_seen_at  TIMESTAMP NOT NULL,
    revoked_at    TIMESTAMP
);
CREATE INDEX sessions_username_idx ON sessions (username);

CREATE SEQUENCE audit_id_seq START 1;
CREATE TABLE audit_log (
    id           BIGINT PRIMARY KEY DEFAULT nextval('audit_id_seq'),
    occurred_at  TIMESTAMP NOT NULL,
    actor        TEXT NOT NULL,
    action       TEXT NOT NULL,
    entity       TEXT NOT NULL,
    entity_id    TEXT NOT NULL,
    before       JSON,
    after        JSON
);
CREATE INDEX audit_log_entity_idx ON audit_log (entity, entity_id);

CREATE SEQUENCE application_id_seq START 1;
CREATE TABLE applications (
    id                BIGINT PRIMARY KEY DEFAULT nextval('application_id_seq'),
    reference         TEXT NOT NULL UNIQUE,
    network           TEXT NOT NULL REFERENCES networks (iso3),
    institution_name  TEXT NOT NULL,
    name_latin        TEXT NOT NULL,
    city              TEXT,
    address           TEXT,
    latitude          DOUBLE PRECISION,
    longitude         DOUBLE PRECISION,
    levels            TEXT[] NOT NULL,
    ownership         TEXT NOT NULL CHECK (ownership IN ('public', 'private')),
    languages         TEXT[] NOT NULL,
    pupils            INTEGER,
    teachers          INTEGER,
    themes            TEXT[] NOT NULL,
    theme_plans       JSON,
    contact_name      TEXT NOT NULL,
    contact_email     TEXT NOT NULL,
    language          TEXT NOT NULL DEFAULT 'en',
    stage             TEXT NOT NULL CHECK (stage IN (
                          'draft', 'submitted', 'returned', 'recommended', 'declined_coordinator',
                          'approved', 'declined_unesco', 'withdrawn')),
    institution_id    BIGINT,
    created_at        TIMESTAMP NOT NULL,
    submitted_at      TIMESTAMP,
    updated_at        TIMESTAMP NOT NULL,
    version           INTEGER NOT NULL DEFAULT 1,
    school_email      TEXT,
    website           TEXT
);
CREATE INDEX applications_network_stage_idx ON applications (network, stage);
CREATE INDEX applications_stage_idx ON applications (stage);  -- UNESCO's queue: every network

CREATE SEQUENCE application_event_id_seq START 1;
CREATE TABLE application_events (
    id              BIGINT PRIMARY KEY DEFAULT nextval('application_event_id_seq'),
    application_id  BIGINT NOT NULL,
    occurred_at     TIMESTAMP NOT NULL,
    stage           TEXT NOT NULL,
    actor           TEXT NOT NULL,
    comment         TEXT
);
CREATE INDEX application_events_application_idx ON application_events (application_id);

CREATE SEQUENCE project_id_seq START 1;
CREATE TABLE projects (
    id           BIGINT PRIMARY KEY DEFAULT nextval('project_id_seq'),
    title        TEXT NOT NULL,
    description  TEXT,
    themes       TEXT[] NOT NULL,
    languages    TEXT[] NOT NULL,
    start_date   DATE,
    end_date     DATE,
    status       TEXT NOT NULL CHECK (status IN ('open', 'active', 'closed')),
    owner        TEXT NOT NULL REFERENCES users (username),
    network      TEXT REFERENCES networks (iso3),
    created_at   TIMESTAMP NOT NULL,
    updated_at   TIMESTAMP NOT NULL,
    version      INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE project_members (
    project_id      BIGINT NOT NULL REFERENCES projects (id),
    institution_id  BIGINT NOT NULL,
    state           TEXT NOT NULL CHECK (state IN ('requested', 'member', 'declined')),
    added_by        TEXT NOT NULL,
    added_at        TIMESTAMP NOT NULL,
    PRIMARY KEY (project_id, institution_id)
);

CREATE SEQUENCE channel_id_seq START 1;
CREATE TABLE channels (
    id          BIGINT PRIMARY KEY DEFAULT nextval('channel_id_seq'),
    slug        TEXT NOT NULL UNIQUE,
    kind        TEXT NOT NULL CHECK (kind IN ('all', 'region', 'project', 'topic')),
    title       TEXT NOT NULL,
    region      TEXT REFERENCES regions (code),
    project_id  BIGINT REFERENCES projects (id),
    created_by  TEXT NOT NULL,
    created_at  TIMESTAMP NOT NULL
);

CREATE SEQUENCE message_id_seq START 1;
CREATE TABLE messages (
    id             BIGINT PRIMARY KEY DEFAULT nextval('message_id_seq'),
    channel_id     BIGINT NOT NULL REFERENCES channels (id),
    thread_id      BIGINT,
    author         TEXT NOT NULL REFERENCES users (username),
    body           TEXT NOT NULL,
    created_at     TIMESTAMP NOT NULL,
    edited_at      TIMESTAMP,
    deleted_at     TIMESTAMP,
    hidden_reason  TEXT
);
CREATE INDEX messages_channel_idx ON messages (channel_id, id);
CREATE INDEX messages_author_idx ON messages (author, created_at);

CREATE TABLE channel_reads (
    username      TEXT NOT NULL,
    channel_id    BIGINT NOT NULL,
    last_read_id  BIGINT NOT NULL,
    PRIMARY KEY (username, channel_id)
);

CREATE SEQUENCE outbox_id_seq START 1;
CREATE TABLE outbox (
    id          BIGINT PRIMARY KEY DEFAULT nextval('outbox_id_seq'),
    to_email    TEXT NOT NULL,
    subject     TEXT NOT NULL,
    body        TEXT NOT NULL,
    created_at  TIMESTAMP NOT NULL,
    sent_at     TIMESTAMP
);

-- The change feed: every row written in a table of the analytic copy, under the data version
-- of the transaction that wrote it (each write takes its version first, holding the meta row,
-- so versions commit in order).
CREATE TABLE row_changes (
    version     BIGINT NOT NULL,
    table_name  TEXT NOT NULL,
    row_key     TEXT NOT NULL,
    changed_at  TIMESTAMP NOT NULL DEFAULT (now() AT TIME ZONE 'utc')
);
CREATE INDEX row_changes_version_idx ON row_changes (version);

CREATE FUNCTION aspnet_note_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    v BIGINT := coalesce(nullif(current_setting('aspnet.data_version', true), '')::BIGINT,
                         (SELECT value::BIGINT FROM meta WHERE key = 'data_version'));
    fresh JSONB;
    stale JSONB;
    k_new TEXT := NULL;
    k_old TEXT := NULL;
    i INTEGER;
BEGIN
    IF TG_OP <> 'DELETE' THEN fresh := to_jsonb(NEW); END IF;
    IF TG_OP <> 'INSERT' THEN stale := to_jsonb(OLD); END IF;
    FOR i IN 0 .. TG_NARGS - 1 LOOP
        IF fresh IS NOT NULL THEN
            k_new := CASE WHEN i = 0 THEN '' ELSE k_new || '|' END || (fresh ->> TG_ARGV[i]);
        END IF;
        IF stale IS NOT NULL THEN
            k_old := CASE WHEN i = 0 THEN '' ELSE k_old || '|' END || (stale ->> TG_ARGV[i]);
        END IF;
    END LOOP;
    IF k_new IS NOT NULL THEN
        INSERT INTO row_changes (version, table_name, row_key) VALUES (v, TG_TABLE_NAME, k_new);
    END IF;
    IF k_old IS NOT NULL AND k_old IS DISTINCT FROM k_new THEN
        INSERT INTO row_changes (version, table_name, row_key) VALUES (v, TG_TABLE_NAME, k_old);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER regions_changes AFTER INSERT OR UPDATE OR DELETE ON regions
    FOR EACH ROW EXECUTE FUNCTION aspnet_note_change('code');
CREATE TRIGGER countries_changes AFTER INSERT OR UPDATE OR DELETE ON countries
    FOR EACH ROW EXECUTE FUNCTION aspnet_note_change('iso3');
CREATE TRIGGER networks_changes AFTER INSERT OR UPDATE OR DELETE ON networks
    FOR EACH ROW EXECUTE FUNCTION aspnet_note_change('iso3');
CREATE TRIGGER institutions_changes AFTER INSERT OR UPDATE OR DELETE ON institutions
    FOR EACH ROW EXECUTE FUNCTION aspnet_note_change('id');
CREATE TRIGGER certificates_changes AFTER INSERT OR UPDATE OR DELETE ON certificates
    FOR EACH ROW EXECUTE FUNCTION aspnet_note_change('number');
CREATE TRIGGER applications_changes AFTER INSERT OR UPDATE OR DELETE ON applications
    FOR EACH ROW EXECUTE FUNCTION aspnet_note_change('id');
CREATE TRIGGER application_events_changes AFTER INSERT OR UPDATE OR DELETE ON application_events
    FOR EACH ROW EXECUTE FUNCTION aspnet_note_change('id');
CREATE TRIGGER projects_changes AFTER INSERT OR UPDATE OR DELETE ON projects
    FOR EACH ROW EXECUTE FUNCTION aspnet_note_change('id');
CREATE TRIGGER project_members_changes AFTER INSERT OR UPDATE OR DELETE ON project_members
    FOR EACH ROW EXECUTE FUNCTION aspnet_note_change('project_id', 'institution_id');
