-- Login sessions known to the server, so that logging out (or an admin disabling a user)
-- revokes a session even if its signed cookie was copied elsewhere.
CREATE TABLE sessions (
    session_key  VARCHAR PRIMARY KEY,      -- sha256 of username and cookie expiry
    username     VARCHAR NOT NULL REFERENCES users (username),
    created_at   TIMESTAMP NOT NULL,
    expires_at   TIMESTAMP NOT NULL,
    last_seen_at TIMESTAMP NOT NULL,
    revoked_at   TIMESTAMP
);
