-- The annual report: one per school per reporting year (the school year ending in that year),
-- kept by the school's focal point (or its coordinator) as a draft, submitted, then accepted
-- by the coordinator or returned with a comment to be submitted again. Its activities, the
-- self-assessment scores (one row per theme and item, 1 to 4) and the reminders sent are
-- tables of their own, so that the dashboard counts them in SQL. inactive_reviews holds
-- UNESCO's decisions on members without an accepted report in two consecutive cycles.
CREATE SEQUENCE report_id_seq START 1;
CREATE TABLE reports (
    id                  BIGINT PRIMARY KEY DEFAULT nextval('report_id_seq'),
    institution_id      BIGINT NOT NULL,
    network             TEXT NOT NULL,
    year                INTEGER NOT NULL,
    state               TEXT NOT NULL CHECK (state IN ('draft', 'submitted', 'returned', 'accepted')),
    days                TEXT[] NOT NULL,       -- international days celebrated (codes)
    contacts_confirmed  BOOLEAN NOT NULL DEFAULT false,
    comment             TEXT,                  -- the coordinator's, when returned
    created_by          TEXT NOT NULL,
    created_at          TIMESTAMP NOT NULL,
    updated_at          TIMESTAMP NOT NULL,
    submitted_at        TIMESTAMP,                -- the latest submission
    first_submitted_at  TIMESTAMP,                -- on time or late is judged by the first
    decided_by          TEXT,
    decided_at          TIMESTAMP,
    version             INTEGER NOT NULL DEFAULT 1,
    UNIQUE (institution_id, year)
);
CREATE INDEX reports_network_year_idx ON reports (network, year);

CREATE SEQUENCE report_activity_id_seq START 1;
CREATE TABLE report_activities (
    id           BIGINT PRIMARY KEY DEFAULT nextval('report_activity_id_seq'),
    report_id    BIGINT NOT NULL,
    position     INTEGER NOT NULL,
    title        TEXT NOT NULL,
    description  TEXT,
    themes       TEXT[] NOT NULL,
    start_date   DATE,
    end_date     DATE,
    pupils       INTEGER,
    teachers     INTEGER,
    partners     TEXT,
    link         TEXT
);
CREATE INDEX report_activities_report_idx ON report_activities (report_id, position);

CREATE TABLE report_scores (
    report_id  BIGINT NOT NULL,
    theme      TEXT NOT NULL,
    item       TEXT NOT NULL,
    score      INTEGER NOT NULL CHECK (score BETWEEN 1 AND 4),
    PRIMARY KEY (report_id, theme, item)
);

CREATE TABLE report_reminders (
    institution_id  BIGINT NOT NULL,
    year            INTEGER NOT NULL,
    kind            TEXT NOT NULL,  -- before (a month before the deadline), after (once it passed)
    sent_at         TIMESTAMP NOT NULL,
    PRIMARY KEY (institution_id, year, kind)
);

CREATE TABLE inactive_reviews (
    institution_id  BIGINT NOT NULL,
    year            INTEGER NOT NULL,  -- the later of the two cycles without an accepted report
    decision        TEXT NOT NULL,  -- keep, contact, withdraw
    comment         TEXT,
    actor           TEXT NOT NULL,
    decided_at      TIMESTAMP NOT NULL,
    PRIMARY KEY (institution_id, year)
);

-- The dashboard's reporting figures and the candidates' pipeline read the analytic copy.
CREATE TRIGGER reports_changes AFTER INSERT OR UPDATE OR DELETE ON reports
    FOR EACH ROW EXECUTE FUNCTION aspnet_note_change('id');
CREATE TRIGGER report_activities_changes AFTER INSERT OR UPDATE OR DELETE ON report_activities
    FOR EACH ROW EXECUTE FUNCTION aspnet_note_change('id');
CREATE TRIGGER report_scores_changes AFTER INSERT OR UPDATE OR DELETE ON report_scores
    FOR EACH ROW EXECUTE FUNCTION aspnet_note_change('report_id', 'theme', 'item');
CREATE TRIGGER membership_events_changes AFTER INSERT OR UPDATE OR DELETE ON membership_events
    FOR EACH ROW EXECUTE FUNCTION aspnet_note_change('id');
CREATE TRIGGER inactive_reviews_changes AFTER INSERT OR UPDATE OR DELETE ON inactive_reviews
    FOR EACH ROW EXECUTE FUNCTION aspnet_note_change('institution_id', 'year');
