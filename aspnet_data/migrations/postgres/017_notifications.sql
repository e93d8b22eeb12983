-- E-mail of mentions and direct messages: each user's choice, the last message a mail told
-- them of, their last digest and the secret of their unsubscribe link (see the DuckDB migration).
CREATE TABLE notification_settings (
    username          TEXT PRIMARY KEY,
    mode              TEXT NOT NULL DEFAULT 'daily' CHECK (mode IN ('instant', 'daily', 'never')),
    notified_through  BIGINT NOT NULL DEFAULT 0,
    last_digest_at    TIMESTAMP,
    last_sent_at      TIMESTAMP,
    secret            TEXT NOT NULL,
    updated_at        TIMESTAMP NOT NULL
);
