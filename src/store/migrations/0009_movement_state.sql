-- 0009: what happens to operations and movements after they are notified (issue 4),
-- and whose clearance a convoy needs (issue 6). Rows are only ever inserted.

-- A movement's schedule: where it plans to be when (site.h, "legs").
CREATE TABLE movement_schedule (
  movement_id INTEGER NOT NULL REFERENCES movement(id),
  seq         INTEGER NOT NULL,            -- 0, 1, ... in route order
  lon         REAL NOT NULL,
  lat         REAL NOT NULL,
  at          INTEGER NOT NULL,
  PRIMARY KEY (movement_id, seq)
);

-- Changes after creation: an operation's state (active, ended, cancelled), a movement's
-- status (notified, en_route, arrived, aborted, incident) or position report. The
-- current state is the latest event's, else the creating row's. Each row is logged.
CREATE TABLE dc_event (
  id          INTEGER PRIMARY KEY,
  about_type  TEXT NOT NULL,               -- operation, movement
  about_id    INTEGER NOT NULL,
  kind        TEXT NOT NULL,               -- state, status, position
  value       TEXT,                        -- the new state or status; NULL for a position
  lon         REAL,                        -- position reports
  lat         REAL,
  at          INTEGER NOT NULL,            -- when it happened (as reported)
  by_party    TEXT NOT NULL,
  reason      TEXT,
  created_at  INTEGER NOT NULL
);
CREATE INDEX dc_event_about ON dc_event(about_type, about_id, id);

-- The parties whose areas a convoy's route crosses, and the notice each must
-- acknowledge: the convoy is cleared when every one of them has.
CREATE TABLE movement_clearance (
  movement_id INTEGER NOT NULL REFERENCES movement(id),
  party       TEXT NOT NULL,
  notice_id   INTEGER NOT NULL REFERENCES notice(id),
  PRIMARY KEY (movement_id, party)
);
