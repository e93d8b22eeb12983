-- The column and value mapping a network's last bulk import used (JSON text: header key ->
-- field, field -> value key -> code), offered again for its next file.
CREATE TABLE import_mappings (
    network    VARCHAR PRIMARY KEY,
    mapping    VARCHAR NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    updated_by VARCHAR NOT NULL
);
