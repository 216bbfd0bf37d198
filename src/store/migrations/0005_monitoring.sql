-- 0005: monitoring (issue 3) — violation reports (docs/monitoring.md, "Wiring").
-- Rows are never updated or deleted. The body is the report as tr_report_to_json writes
-- it (with id, reporting_party, received_at, external_id); the classification is the one
-- made at intake, which the engine reuses at start (attribution is not re-run).
CREATE TABLE report (
  id              INTEGER PRIMARY KEY,
  reporting_party TEXT NOT NULL,
  received_at     INTEGER NOT NULL,
  occurred_at     INTEGER NOT NULL,
  external_id     TEXT,
  body            TEXT NOT NULL,           -- JSON
  class           TEXT NOT NULL,           -- violation, not_covered, undetermined
  agreement_id    INTEGER NOT NULL,        -- 0 when none
  region          TEXT NOT NULL,           -- '' when none
  controller      TEXT NOT NULL,           -- '' when none
  reason          TEXT NOT NULL
);
CREATE INDEX report_party ON report(reporting_party, id);

-- A party's response to an incident, and a monitor's verdict on one. anchor is the id the
-- request named (a report id: the engine follows it through later merges and splits).
-- The engine replays them in seq order at start (docs/monitoring.md).
CREATE TABLE incident_response (
  seq             INTEGER PRIMARY KEY,
  anchor          INTEGER NOT NULL,
  party           TEXT NOT NULL,
  response        TEXT NOT NULL,           -- accept, deny, comment
  text            TEXT,
  at              INTEGER NOT NULL
);
CREATE TABLE incident_verdict (
  seq             INTEGER PRIMARY KEY,
  anchor          INTEGER NOT NULL,
  monitor         TEXT NOT NULL,
  verdict         TEXT NOT NULL,           -- confirm, reject, reopen
  reason          TEXT,
  at              INTEGER NOT NULL
);
