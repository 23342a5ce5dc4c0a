-- Failed sign-ins, kept for a short window to lock out guessing: by username, known or not, so that the lockout
-- itself does not reveal which accounts exist.
CREATE TABLE signin_failures (
    username        TEXT    NOT NULL,
    at              BIGINT  NOT NULL
);
CREATE INDEX signin_failures_username ON signin_failures (username, at);
