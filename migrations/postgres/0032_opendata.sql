-- Open data: the latest count of each dataset's figures, kept so that every node serves the same and counts at
-- most once an hour. `body` is the rows as a JSON array of arrays.
CREATE TABLE opendata_snapshots (
    dataset TEXT PRIMARY KEY,
    generated_at BIGINT NOT NULL,
    body TEXT NOT NULL
);
