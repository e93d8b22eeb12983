-- The column and value mapping a network's last bulk import used (JSON text: header key ->
-- field, field -> value key -> code), offered again for its next file.
CREATE TABLE import_mappings (
    network    TEXT PRIMARY KEY,
    mapping    TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    updated_by TEXT NOT NULL
);
