-- 0006: monitoring (issue 3) — manual regroups of incidents by a monitor (docs/monitoring.md,
-- "Split and merge"). Rows are never updated or deleted. At start the engine replays them
-- in seq order after loading every report (mon_engine_apply_regroup), so the automatic
-- grouping respects them whatever order the reports arrived in.
CREATE TABLE incident_regroup (
  seq             INTEGER PRIMARY KEY,
  kind            TEXT NOT NULL CHECK (kind IN ('split', 'merge')),
  at              INTEGER NOT NULL,
  monitor         TEXT NOT NULL,           -- the monitor or admin who decided
  reason          TEXT NOT NULL,
  reports         TEXT NOT NULL,           -- JSON array of report ids, side one, ascending
  others          TEXT NOT NULL            -- JSON array of report ids, side two, ascending
);

-- Reports about objects (docs/monitoring.md "Reports about objects"): an incident shows the
-- log index of the entry that created the site or movement it is about; this index finds
-- an entry by its ref without a scan of the log.
CREATE INDEX log_entry_ref ON log_entry(ref);

-- CAP 1.2 alerts sent to the parties' notice feeds (docs/monitoring.md "CAP alerts"): one
-- row per alert identifier (an incident that became a corroborated or confirmed
-- violation), so an alert is notified once, whoever notices the change first.
CREATE TABLE incident_alert (
  identifier      TEXT PRIMARY KEY,        -- truce-incident-<id>-<grade>-<sent>
  incident_id     INTEGER NOT NULL,
  grade           TEXT NOT NULL,           -- corroborated, confirmed
  sent            INTEGER NOT NULL,        -- when the incident took that grade
  created_at      INTEGER NOT NULL
);
