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
    network             VARCHAR NOT NULL,
    year                INTEGER NOT NULL,
    state               VARCHAR NOT NULL CHECK (state IN ('draft', 'submitted', 'returned', 'accepted')),
    days                VARCHAR[] NOT NULL,       -- international days celebrated (codes)
    contacts_confirmed  BOOLEAN NOT NULL DEFAULT false,
    comment             VARCHAR,                  -- the coordinator's, when returned
    created_by          VARCHAR NOT NULL,
    created_at          TIMESTAMP NOT NULL,
    updated_at          TIMESTAMP NOT NULL,
    submitted_at        TIMESTAMP,                -- the latest submission
    first_submitted_at  TIMESTAMP,                -- on time or late is judged by the first
    decided_by          VARCHAR,
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
    title        VARCHAR NOT NULL,
    description  VARCHAR,
    themes       VARCHAR[] NOT NULL,
    start_date   DATE,
    end_date     DATE,
    pupils       INTEGER,
    teachers     INTEGER,
    partners     VARCHAR,
    link         VARCHAR
);
CREATE INDEX report_activities_report_idx ON report_activities (report_id, position);

CREATE TABLE report_scores (
    report_id  BIGINT NOT NULL,
    theme      VARCHAR NOT NULL,
    item       VARCHAR NOT NULL,
    score      INTEGER NOT NULL CHECK (score BETWEEN 1 AND 4),
    PRIMARY KEY (report_id, theme, item)
);

CREATE TABLE report_reminders (
    institution_id  BIGINT NOT NULL,
    year            INTEGER NOT NULL,
    kind            VARCHAR NOT NULL,  -- before (a month before the deadline), after (once it passed)
    sent_at         TIMESTAMP NOT NULL,
    PRIMARY KEY (institution_id, year, kind)
);

CREATE TABLE inactive_reviews (
    institution_id  BIGINT NOT NULL,
    year            INTEGER NOT NULL,  -- the later of the two cycles without an accepted report
    decision        VARCHAR NOT NULL,  -- keep, contact, withdraw
    comment         VARCHAR,
    actor           VARCHAR NOT NULL,
    decided_at      TIMESTAMP NOT NULL,
    PRIMARY KEY (institution_id, year)
);
