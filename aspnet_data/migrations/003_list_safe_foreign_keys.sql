-- DuckDB executes an UPDATE of a list column (themes, levels, languages) as delete + insert,
-- which a foreign key pointing at the row refuses even though the key does not change.
-- Institutions and applications have list columns and are edited, so the tables that point
-- at them keep their columns and primary keys but not those foreign keys; aspnet_data
-- writes them only through functions that check the referenced row exists.

CREATE TABLE project_members_v3 (
    project_id      BIGINT NOT NULL REFERENCES projects (id),
    institution_id  BIGINT NOT NULL,
    state           VARCHAR NOT NULL CHECK (state IN ('requested', 'member', 'declined')),
    added_by        VARCHAR NOT NULL,
    added_at        TIMESTAMP NOT NULL,
    PRIMARY KEY (project_id, institution_id)
);
INSERT INTO project_members_v3 SELECT * FROM project_members;
DROP TABLE project_members;
ALTER TABLE project_members_v3 RENAME TO project_members;

CREATE TABLE application_events_v3 (
    id              BIGINT PRIMARY KEY DEFAULT nextval('application_event_id_seq'),
    application_id  BIGINT NOT NULL,
    occurred_at     TIMESTAMP NOT NULL,
    stage           VARCHAR NOT NULL,
    actor           VARCHAR NOT NULL,
    comment         VARCHAR
);
INSERT INTO application_events_v3 SELECT * FROM application_events;
DROP TABLE application_events;
ALTER TABLE application_events_v3 RENAME TO application_events;
