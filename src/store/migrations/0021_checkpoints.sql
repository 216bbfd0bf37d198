-- 0021: checkpoints (issue 12, item 5): manned crossing points on convoy routes, and the
-- checkpoints each movement passes (docs/deconfliction.md §14). Rows are never updated
-- or deleted.
CREATE TABLE checkpoint (
  id            INTEGER PRIMARY KEY,
  owner         TEXT NOT NULL,             -- the creating party
  party         TEXT NOT NULL,             -- the controlling party (controlled_by)
  name          TEXT NOT NULL,
  lon           REAL NOT NULL,
  lat           REAL NOT NULL,
  opening_hours TEXT,                      -- canonical JSON list, NULL: open at all hours
  visibility    TEXT NOT NULL,             -- '"public"' or a JSON list of party names
  created_at    INTEGER NOT NULL
);
CREATE INDEX checkpoint_lon ON checkpoint(lon, lat);

-- The checkpoints within a movement's route width when it was notified, that every party
-- able to read the movement may see (logged as movement.checkpoints).
CREATE TABLE movement_checkpoint (
  movement_id   INTEGER NOT NULL REFERENCES movement(id),
  checkpoint_id INTEGER NOT NULL REFERENCES checkpoint(id),
  PRIMARY KEY (movement_id, checkpoint_id)
);
