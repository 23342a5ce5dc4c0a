-- The in-app inbox: notifications to an account, each in both languages, read or not yet.

CREATE TABLE notifications (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    recipient       BIGINT  NOT NULL REFERENCES accounts (id),
    title_vi        TEXT    NOT NULL,
    title_en        TEXT    NOT NULL,
    body_vi         TEXT    NOT NULL,
    body_en         TEXT    NOT NULL,
    link            TEXT,
    created_at      BIGINT  NOT NULL,
    read_at         BIGINT
);
-- A recipient's page, newest first, and the unread count in every page's header.
CREATE INDEX notifications_by_recipient ON notifications (recipient, id);
CREATE INDEX notifications_unread ON notifications (recipient) WHERE read_at IS NULL;
