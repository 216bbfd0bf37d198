-- 0004: deconfliction (issue 4) — protected sites and declared operations
-- (docs/deconfliction.md, "The API"). Rows are never updated or deleted.
CREATE TABLE site (
  id          INTEGER PRIMARY KEY,
  owner       TEXT NOT NULL,               -- the notifying party's name
  kind        TEXT NOT NULL,               -- hospital, school, aid_warehouse, un_facility, forces_position, other
  name        TEXT NOT NULL,
  valid_from  INTEGER NOT NULL,
  valid_to    INTEGER NOT NULL,            -- 9223372036854775807 when open
  visibility  TEXT NOT NULL,               -- '"public"' or a JSON list of party names
  geometry    TEXT NOT NULL,               -- GeoJSON Point or Polygon as submitted
  radius_m    REAL,                        -- Point sites
  created_at  INTEGER NOT NULL
);

CREATE TABLE operation (
  id          INTEGER PRIMARY KEY,
  owner       TEXT NOT NULL,
  kind        TEXT NOT NULL,               -- air, artillery, ground
  state       TEXT NOT NULL,               -- planned
  volumes     TEXT NOT NULL,               -- JSON list of ASTM F3548 Volume4D
  created_at  INTEGER NOT NULL
);

-- A notice is something a party must read and acknowledge: a conflict with one of its
-- objects, or a site notified to it. Only acked_at and ack_index are ever set, once.
CREATE TABLE notice (
  id          INTEGER PRIMARY KEY,
  party       TEXT NOT NULL,               -- the addressee
  kind        TEXT NOT NULL,               -- conflict, site
  about_type  TEXT NOT NULL,               -- operation, site
  about_id    INTEGER NOT NULL,
  payload     TEXT NOT NULL,               -- JSON
  created_at  INTEGER NOT NULL,
  deadline    INTEGER NOT NULL,            -- acknowledge before this
  acked_at    INTEGER,                     -- NULL until acknowledged
  ack_index   INTEGER                      -- the notice.ack log entry
);
CREATE INDEX notice_party ON notice(party, id);

-- Convoys and evacuations along a route (a LineString buffered to width_m).
CREATE TABLE movement (
  id          INTEGER PRIMARY KEY,
  owner       TEXT NOT NULL,
  kind        TEXT NOT NULL,               -- convoy, evacuation
  name        TEXT,
  status      TEXT NOT NULL,               -- planned, notified, en_route, arrived, aborted, incident
  time_start  INTEGER NOT NULL,
  time_end    INTEGER NOT NULL,
  width_m     REAL NOT NULL,
  visibility  TEXT NOT NULL,
  geometry    TEXT NOT NULL,               -- the route (GeoJSON LineString) as submitted
  created_at  INTEGER NOT NULL
);
