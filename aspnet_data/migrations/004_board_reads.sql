-- Where each user stopped reading each channel (for unread counts).
CREATE TABLE channel_reads (
    username      VARCHAR NOT NULL,
    channel_id    BIGINT NOT NULL,
    last_read_id  BIGINT NOT NULL,
    PRIMARY KEY (username, channel_id)
);
CREATE INDEX messages_channel_idx ON messages (channel_id, id);
