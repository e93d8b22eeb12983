-- Files kept in the database itself (a BLOB), so that a backup holds them and, on PostgreSQL,
-- every replica serves them: one row per upload with its checked type, its size, a small
-- re-encoded preview for images, and whose quota it counts in (the uploader's network; an
-- admin's own files count in their own quota, network NULL). A deleted file keeps its row
-- for the record and loses its content. Files are attached to board messages (message_files)
-- or are a project space's materials (project_materials). No foreign keys: DuckDB could then
-- no longer rebuild messages or projects in a later migration (see 014 and 015).
CREATE SEQUENCE file_id_seq START 1;
CREATE TABLE files (
    id           BIGINT PRIMARY KEY DEFAULT nextval('file_id_seq'),
    sha256       VARCHAR NOT NULL,
    name         VARCHAR NOT NULL,
    media_type   VARCHAR NOT NULL,
    size         BIGINT NOT NULL,
    content      BLOB,                  -- NULL once the file is deleted
    preview      BLOB,                  -- images: a small PNG or JPEG made again from the pixels
    uploaded_by  VARCHAR NOT NULL,
    uploaded_at  TIMESTAMP NOT NULL,
    network      VARCHAR,               -- whose quota (NULL: the uploader's own, an admin's)
    deleted_at   TIMESTAMP
);

CREATE TABLE message_files (
    message_id  BIGINT NOT NULL,
    file_id     BIGINT NOT NULL,
    PRIMARY KEY (message_id, file_id)
);

CREATE SEQUENCE material_id_seq START 1;
CREATE TABLE project_materials (
    id           BIGINT PRIMARY KEY DEFAULT nextval('material_id_seq'),
    project_id   BIGINT NOT NULL,
    file_id      BIGINT NOT NULL,
    title        VARCHAR NOT NULL,
    description  VARCHAR,
    language     VARCHAR,               -- an ISO 639 code
    theme        VARCHAR,               -- a priority theme's code
    public       BOOLEAN NOT NULL DEFAULT false,
    added_by     VARCHAR NOT NULL,
    added_at     TIMESTAMP NOT NULL,
    deleted_at   TIMESTAMP,
    search_text  VARCHAR NOT NULL       -- title, description and file name, folded (text.fold)
);
