-- 0007: mine action (issue 6, docs/mine-action.md) in the terms of the International Mine
-- Action Standards: hazardous areas, tasks on them, daily land-release progress and
-- accidents. Rows are never deleted; only a task's close_* columns are set, once.
CREATE TABLE hazard (
  id            INTEGER PRIMARY KEY,
  owner         TEXT NOT NULL,             -- the recording party
  kind          TEXT NOT NULL,             -- SHA (suspected) or CHA (confirmed)
  name          TEXT,
  status        TEXT NOT NULL,             -- status when recorded: open, closed, handed_over
  contamination TEXT NOT NULL,             -- JSON list: AP mine, AT mine, UXO, AXO, IED, cluster munition
  evidence      TEXT,
  estimated_m2  INTEGER,                   -- the surveyors' estimate, or NULL
  area_m2       INTEGER NOT NULL,          -- geodesic area of the polygon, whole square metres
  geometry      TEXT NOT NULL,             -- GeoJSON Polygon/MultiPolygon as submitted
  minx REAL NOT NULL, miny REAL NOT NULL, maxx REAL NOT NULL, maxy REAL NOT NULL,
  recorded_at   INTEGER NOT NULL           -- created_at
);

-- Status changes after recording; the current status is the latest row's (else hazard.status).
CREATE TABLE hazard_status (
  seq           INTEGER PRIMARY KEY,
  hazard_id     INTEGER NOT NULL REFERENCES hazard(id),
  status        TEXT NOT NULL,
  reason        TEXT,
  party         TEXT NOT NULL,
  at            INTEGER NOT NULL
);
CREATE INDEX hazard_status_hazard ON hazard_status(hazard_id, seq);

CREATE TABLE mine_task (
  id            INTEGER PRIMARY KEY,
  hazard_id     INTEGER NOT NULL REFERENCES hazard(id),
  owner         TEXT NOT NULL,
  kind          TEXT NOT NULL,             -- non_technical_survey, technical_survey, clearance, eod_spot_task
  operator      TEXT NOT NULL,             -- the operator organisation
  contributors  TEXT NOT NULL,             -- JSON list of contributing party names
  time_start    INTEGER NOT NULL,
  time_end      INTEGER NOT NULL,          -- planned end; 9223372036854775807 when open
  status        TEXT NOT NULL,             -- at creation: planned, active, suspended
  created_at    INTEGER NOT NULL,
  close_date    INTEGER,                   -- set once by POST /v1/tasks/{id}/close
  close_outcome TEXT,                      -- completed, cancelled
  closed_by     TEXT
);
CREATE INDEX mine_task_hazard ON mine_task(hazard_id);

CREATE TABLE mine_progress (
  id            INTEGER PRIMARY KEY,
  task_id       INTEGER NOT NULL REFERENCES mine_task(id),
  hazard_id     INTEGER NOT NULL REFERENCES hazard(id),
  party         TEXT NOT NULL,
  date          INTEGER NOT NULL,
  cleared_m2    INTEGER NOT NULL,
  reduced_m2    INTEGER NOT NULL,
  cancelled_m2  INTEGER NOT NULL,
  items         TEXT NOT NULL,             -- JSON list of {type, found, destroyed}
  depth_cm      INTEGER,                   -- clearance depth, or NULL
  created_at    INTEGER NOT NULL
);
CREATE INDEX mine_progress_task ON mine_progress(task_id);
CREATE INDEX mine_progress_hazard ON mine_progress(hazard_id);
CREATE INDEX mine_progress_date ON mine_progress(date);

CREATE TABLE mine_accident (
  id            INTEGER PRIMARY KEY,
  party         TEXT NOT NULL,
  kind          TEXT NOT NULL,             -- demining, civilian
  date          INTEGER NOT NULL,
  hazard_id     INTEGER REFERENCES hazard(id),
  task_id       INTEGER REFERENCES mine_task(id),
  killed        INTEGER NOT NULL,
  injured       INTEGER NOT NULL,
  device        TEXT,                      -- the item type that caused it, or NULL
  description   TEXT,
  created_at    INTEGER NOT NULL
);
CREATE INDEX mine_accident_date ON mine_accident(date);
