-- 0016: live tracks and tactical conflict alerts (issue 16, docs/traffic.md). Rows are
-- only ever inserted. Every batch (of positions, or of tracks ended as stale) and every
-- alert change is one log entry; a batch's entry commits to its positions by hash.

-- A track: one aircraft (or other mover) as one party reports it.
CREATE TABLE track (
  id          INTEGER PRIMARY KEY,         -- truce's id (GET /v1/tracks/{id}/history)
  party       TEXT NOT NULL,               -- the reporting party
  ext_id      TEXT NOT NULL,               -- the party's own id for it ("track" in the API)
  created_at  INTEGER NOT NULL,
  UNIQUE (party, ext_id)
);

-- The detection settings a batch was processed with (separations, look-ahead, levels,
-- hysteresis, stale time), as canonical JSON: replay uses each batch's own.
CREATE TABLE traffic_config (
  id          INTEGER PRIMARY KEY,
  body        TEXT NOT NULL UNIQUE
);

-- What one request (or one feed flush) brought, or one sweep of stale tracks.
CREATE TABLE track_batch (
  id          INTEGER PRIMARY KEY,         -- commit order
  kind        TEXT NOT NULL,               -- positions, stale
  party       TEXT NOT NULL,               -- the sender; "centre" for a sweep
  received_ms INTEGER NOT NULL,            -- server time, milliseconds
  config_id   INTEGER NOT NULL REFERENCES traffic_config(id),
  count       INTEGER NOT NULL             -- positions, or tracks ended
);

CREATE TABLE track_position (
  id          INTEGER PRIMARY KEY,         -- order within the batch
  batch_id    INTEGER NOT NULL REFERENCES track_batch(id),
  track_id    INTEGER NOT NULL REFERENCES track(id),
  at_ms       INTEGER NOT NULL,            -- strictly increasing per track
  lon         REAL NOT NULL,
  lat         REAL NOT NULL,
  alt_m       REAL NOT NULL,
  vx          REAL NOT NULL,               -- m/s east, north, up
  vy          REAL NOT NULL,
  vz          REAL NOT NULL,
  callsign    TEXT,
  visibility  TEXT NOT NULL                -- the track's visibility from this position on
);
CREATE INDEX track_position_track ON track_position(track_id, at_ms);
CREATE INDEX track_position_batch ON track_position(batch_id);

-- Tracks a sweep ended: no position received for the stale time.
CREATE TABLE track_stale (
  batch_id    INTEGER NOT NULL REFERENCES track_batch(id),
  track_id    INTEGER NOT NULL REFERENCES track(id),
  last_ms     INTEGER NOT NULL,            -- the time of its last position
  PRIMARY KEY (batch_id, track_id)
);

-- Alert changes (raised, escalated, lowered, cleared), in the order they were decided.
CREATE TABLE traffic_alert (
  id          INTEGER PRIMARY KEY,
  batch_id    INTEGER NOT NULL REFERENCES track_batch(id),
  kind        TEXT NOT NULL,               -- traffic, operation, site, area
  change      TEXT NOT NULL,               -- raised, escalated, lowered, cleared
  reason      TEXT NOT NULL,               -- predicted, separated, stale, gone
  level       INTEGER NOT NULL,            -- 1..3; 0 when cleared
  track_id    INTEGER NOT NULL REFERENCES track(id), -- the track whose position (or end) decided it
  other_id    INTEGER NOT NULL,            -- the other track, or the object's id
  part        INTEGER NOT NULL,            -- the object's part (an operation's volume), else 0
  at_ms       INTEGER NOT NULL,            -- the deciding position's time
  time_to_los_s REAL,                      -- NULL when there is none (no loss of separation)
  time_to_cpa_s REAL,                      -- these four NULL when nothing was measured
  h_sep_m     REAL,                        -- (cleared: a track stale, an object gone)
  v_sep_m     REAL,
  distance_m  REAL
);
CREATE INDEX traffic_alert_at ON traffic_alert(at_ms);
CREATE INDEX traffic_alert_pair ON traffic_alert(track_id, other_id);
