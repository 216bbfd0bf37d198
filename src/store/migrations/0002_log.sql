-- 0002: the verifiable log (docs/tlog.md). Every accepted write appends one entry in
-- the same transaction as the state change it records.

CREATE TABLE log_entry (
  idx        INTEGER PRIMARY KEY,        -- 0-based position in the log
  entry      BLOB NOT NULL,              -- the leaf's bytes (canonical JSON, docs/tlog.md)
  party      TEXT NOT NULL,              -- who made the change
  at         INTEGER NOT NULL,           -- server time of the change
  type       TEXT NOT NULL,              -- e.g. area.create
  ref        TEXT NOT NULL,              -- the object changed, e.g. area/12@3
  object     BLOB NOT NULL               -- canonical bytes of the object; entry holds their SHA-256
);

-- Every complete subtree hash of the RFC 6962 tree (level 0 = leaf hashes).
CREATE TABLE log_node (
  level      INTEGER NOT NULL,
  idx        INTEGER NOT NULL,
  hash       BLOB NOT NULL,
  PRIMARY KEY (level, idx)
) WITHOUT ROWID;

-- Signed checkpoints, C2SP tlog-checkpoint as a C2SP signed-note.
CREATE TABLE log_checkpoint (
  size       INTEGER PRIMARY KEY,
  root       BLOB NOT NULL,
  note       TEXT NOT NULL,
  signed_at  INTEGER NOT NULL
);

-- The log's origin (checkpoint first line) and verifier key, fixed at first start.
CREATE TABLE log_meta (
  key        TEXT PRIMARY KEY,
  value      TEXT NOT NULL
);
