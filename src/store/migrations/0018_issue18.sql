-- 0018: data in and out as users expect them (issue 18).
--
-- A movement's manifest: what a convoy carries and who runs it, as the owner notified it
-- (properties cargo, organisations, vehicles, personnel), canonical JSON, NULL when none.
-- Part of the movement.create object, so verify checks it.
ALTER TABLE movement ADD COLUMN manifest TEXT;

-- An area version's names in other languages (properties.names: {"ar": ..., "ru": ...},
-- canonical JSON, NULL when none), used by the bulletin in those languages. Part of the
-- area.create / area.version object.
ALTER TABLE area_version ADD COLUMN names TEXT;

-- The change feed of the incident export (GET /v1/exports/incidents?changed_since=): the
-- last state of every incident id a downstream copy was shown, derived from the
-- monitoring engine (which is rebuilt from the logged reports at start) by passes: a
-- reconciliation whenever a feed or a full export with a cursor is asked for, and at the
-- end of such an export the ids it showed otherwise than its reconciliation saw. seq
-- numbers the passes that changed something; a downstream at cursor C gets every row
-- with seq > C.
CREATE TABLE incident_feed (
  id          INTEGER PRIMARY KEY,         -- incident id (the smallest report id of the incident)
  digest      BLOB NOT NULL,               -- BLAKE2b-128 of its export rows and member report ids
  seq         INTEGER NOT NULL,            -- the pass at which it last changed
  retired_to  INTEGER                      -- NULL while it exists; else the incident holding report id
);
CREATE INDEX incident_feed_seq ON incident_feed(seq);

-- Every pass that changed incident_feed, so `truce verify --db` recomputes the table from
-- the log: at log_size the incidents were those the log's first log_size entries form
-- (log_root, that tree's root, ties the pass to the log); forced lists the ids an export
-- showed otherwise (a JSON array), NULL for a reconciliation of every incident.
CREATE TABLE incident_feed_pass (
  seq         INTEGER PRIMARY KEY,
  log_size    INTEGER NOT NULL,
  log_root    BLOB NOT NULL,
  forced      TEXT
);
