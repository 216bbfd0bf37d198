-- 0012: restricted objects cannot be located by probing (issue 11; docs/deconfliction.md
-- §13). Rows are only ever inserted.

-- The privacy of a restricted site or movement: the margin its coarsened footprint is
-- grown by and the secret its offset is drawn from (geo/coarsen.h). The secret never
-- leaves the server: the log commits to it by its SHA-256 (privacy.set).
CREATE TABLE dc_privacy (
  about_type  TEXT NOT NULL,               -- site, movement
  about_id    INTEGER NOT NULL,
  margin_m    REAL NOT NULL,               -- 0: exact answers
  secret      BLOB NOT NULL,               -- 32 random bytes
  created_at  INTEGER NOT NULL,
  PRIMARY KEY (about_type, about_id)
);

-- A probe: one request whose answer was about objects its party may not see, or that was
-- answered past the party's budget (conflicts with restricted objects withheld). Stored
-- and logged (conflict.probe) even when the operation was refused and not stored.
CREATE TABLE dc_probe (
  id                INTEGER PRIMARY KEY,
  party             TEXT NOT NULL,         -- whose view the answer took
  asked_at          INTEGER NOT NULL,
  request           TEXT NOT NULL,         -- operation.create, operation.state
  operation_id      INTEGER,               -- the stored operation; NULL when refused
  volumes           TEXT NOT NULL,         -- the asking volumes (JSON list of Volume4D)
  outcome           TEXT NOT NULL,         -- answered, withheld
  refused           INTEGER NOT NULL,      -- 1: a reject_on_conflict submission, refused
  monitors_notified INTEGER NOT NULL       -- 1: this probe's answer told the monitors
);
CREATE INDEX dc_probe_party ON dc_probe(party, asked_at);

-- Each conflict of a probe with an object its party may not see.
CREATE TABLE dc_probe_hit (
  probe_id    INTEGER NOT NULL REFERENCES dc_probe(id),
  seq         INTEGER NOT NULL,
  about_type  TEXT NOT NULL,               -- site, movement
  about_id    INTEGER NOT NULL,
  owner       TEXT NOT NULL,
  volume      INTEGER NOT NULL,            -- index of the asking volume
  exact       INTEGER NOT NULL,            -- 1: it meets the true footprint (and buffer) too
  PRIMARY KEY (probe_id, seq)
);
