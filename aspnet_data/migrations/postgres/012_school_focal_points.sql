-- School focal points: a teacher or the head of one school, invited by the network's
-- coordinator, who keeps the school's public details and reports for it (users gains the role
-- and the school). An invitation is a one-time secret sent by mail: only its sha256 is stored.
ALTER TABLE users DROP CONSTRAINT users_role_check;
ALTER TABLE users ADD CONSTRAINT users_role_check CHECK (role IN ('admin', 'coordinator', 'analyst', 'focal_point'));
ALTER TABLE users ADD COLUMN institution_id BIGINT;

CREATE TABLE invitations (
    token_hash     TEXT PRIMARY KEY,
    username       TEXT NOT NULL,
    institution_id BIGINT NOT NULL,
    email          TEXT NOT NULL,
    created_by     TEXT NOT NULL,
    created_at     TIMESTAMP NOT NULL,
    expires_at     TIMESTAMP NOT NULL,
    used_at        TIMESTAMP,
    revoked_at     TIMESTAMP
);
CREATE INDEX invitations_username_idx ON invitations (username);
