-- E-mail of what the message board holds for someone: mentions of them in the channels they
-- read and the messages of their direct conversations. One row per user who has been written
-- to or chose a mode; a user without a row gets a daily digest.
--   mode              'instant' (within a minute or two), 'daily' (one digest a day) or 'never'
--   notified_through  the id of the last message a mail already told them of (the watermark):
--                     moved in the transaction that queues the mail, so nothing goes twice
--   last_digest_at    when the last daily digest was queued (one a day at most)
--   secret            signs the unsubscribe link of their mails; replaced once a link is used
CREATE TABLE notification_settings (
    username          VARCHAR PRIMARY KEY,
    mode              VARCHAR NOT NULL DEFAULT 'daily' CHECK (mode IN ('instant', 'daily', 'never')),
    notified_through  BIGINT NOT NULL DEFAULT 0,
    last_digest_at    TIMESTAMP,
    last_sent_at      TIMESTAMP,
    secret            VARCHAR NOT NULL,
    updated_at        TIMESTAMP NOT NULL
);
