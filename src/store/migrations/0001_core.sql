-- 0001: the centre core — parties, areas over time, agreements and provisions.
-- Times are integer seconds since 1970-01-01Z; an open end is 9223372036854775807.

CREATE TABLE party (
  id          INTEGER PRIMARY KEY,
  name        TEXT NOT NULL UNIQUE,
  role        TEXT NOT NULL,
  full_name   TEXT,
  token_hash  TEXT NOT NULL UNIQUE,       -- hex SHA-256 of the API token; the token itself is never stored
  created_at  INTEGER NOT NULL,
  revoked_at  INTEGER                      -- NULL while the party may use its token
);

-- An area is a sequence of versions; the row with the highest version is current.
CREATE TABLE area (
  id          INTEGER PRIMARY KEY,
  version     INTEGER NOT NULL,            -- current version
  created_by  TEXT NOT NULL,               -- party name
  created_at  INTEGER NOT NULL
);

CREATE TABLE area_version (
  rid          INTEGER PRIMARY KEY,        -- row id, also the R*Tree id
  area_id      INTEGER NOT NULL REFERENCES area(id),
  version      INTEGER NOT NULL,
  kind         TEXT NOT NULL,
  name         TEXT NOT NULL,
  party        TEXT,                       -- owning party's name, or NULL
  actor        TEXT,                       -- owning actor's name, or NULL
  valid_from   INTEGER NOT NULL,
  valid_to     INTEGER NOT NULL,           -- as submitted (open = max int64)
  effective_to INTEGER NOT NULL,           -- min(valid_to, next version's valid_from)
  visibility   TEXT NOT NULL,              -- JSON: "public" or ["name", ...]
  width_m      REAL,
  description  TEXT,
  geometry     TEXT NOT NULL,              -- GeoJSON geometry as submitted (normalised dump)
  area_m2      REAL NOT NULL,              -- geodesic area of the footprint
  created_by   TEXT NOT NULL,
  created_at   INTEGER NOT NULL,
  UNIQUE (area_id, version)
);
CREATE INDEX area_version_kind ON area_version(kind, area_id);
CREATE INDEX area_version_party ON area_version(party);
CREATE INDEX area_version_actor ON area_version(actor);

CREATE VIRTUAL TABLE area_rtree USING rtree(rid, minx, maxx, miny, maxy);

CREATE TABLE agreement (
  id          INTEGER PRIMARY KEY,
  version     INTEGER NOT NULL,
  name        TEXT NOT NULL UNIQUE,
  start_at    INTEGER NOT NULL,
  end_at      INTEGER NOT NULL,            -- open = max int64
  doc         TEXT NOT NULL,               -- the normalised agreement (JSON) without provisions
  visibility  TEXT NOT NULL,
  created_by  TEXT NOT NULL,
  created_at  INTEGER NOT NULL
);

CREATE TABLE provision (
  id            INTEGER PRIMARY KEY,
  agreement_id  INTEGER NOT NULL REFERENCES agreement(id),
  seq           INTEGER NOT NULL,          -- order within the agreement, from 1
  text          TEXT NOT NULL,
  responsible   TEXT,                      -- party name
  deadline      INTEGER,
  status        TEXT NOT NULL,
  UNIQUE (agreement_id, seq)
);

-- Actors: groups without an account (designated groups excluded from a ceasefire).
CREATE TABLE actor (
  name        TEXT PRIMARY KEY,
  full_name   TEXT,
  created_at  INTEGER NOT NULL
);
