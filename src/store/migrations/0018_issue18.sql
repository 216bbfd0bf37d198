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
-- monitoring engine (which is rebuilt from the logged reports at start) and reconciled
-- with it whenever a feed or a full export with a cursor is asked for. seq numbers the
-- reconciliations; a downstream at cursor C gets every row with seq > C.
CREATE TABLE incident_feed (
  id          INTEGER PRIMARY KEY,         -- incident id (the smallest report id of the incident)
  digest      BLOB NOT NULL,               -- BLAKE2b-128 of its export rows and member report ids
  seq         INTEGER NOT NULL,            -- the reconciliation at which it last changed
  retired_to  INTEGER                      -- NULL while it exists; else the incident holding report id
);
CREATE INDEX incident_feed_seq ON incident_feed(seq);
