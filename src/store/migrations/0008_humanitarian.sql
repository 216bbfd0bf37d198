-- 0008: humanitarian access, agreement steps and formal notices (issue 6, docs/humanitarian.md).
-- Every row is written once and never updated or deleted; each has its own log entry.
-- A corridor's state and a step's status are derived from these rows.

-- What happened to a corridor area: an opening window, a suspension, a resumption, or the
-- number of people a party reports to have crossed on one day.
CREATE TABLE corridor_event (
  id           INTEGER PRIMARY KEY,
  area_id      INTEGER NOT NULL REFERENCES area(id),
  kind         TEXT NOT NULL,              -- opening, suspension, resumption, crossing
  party        TEXT NOT NULL,              -- who recorded it
  time_from    INTEGER NOT NULL,           -- opening: start; suspension, resumption: when; crossing: the day's 00:00Z
  time_to      INTEGER,                    -- opening: end (exclusive); NULL otherwise
  count        INTEGER,                    -- crossing: people who crossed that day
  source_kind  TEXT,                       -- crossing: party, monitor, humanitarian, media, public
  source_ref   TEXT,
  reason       TEXT,                       -- suspension (required), others: a note or NULL
  created_at   INTEGER NOT NULL
);
CREATE INDEX corridor_event_area ON corridor_event(area_id, id);

-- An agreement's timeline: steps, their dependencies and their status changes.
CREATE TABLE step (
  id           INTEGER PRIMARY KEY,
  agreement_id INTEGER NOT NULL REFERENCES agreement(id),
  provision    INTEGER,                    -- the provision's seq within the agreement, or NULL
  title        TEXT NOT NULL,
  responsible  TEXT NOT NULL,              -- party name
  deadline     INTEGER,                    -- NULL when none
  depends_on   TEXT NOT NULL,              -- JSON list of step ids (same agreement, created before)
  created_by   TEXT NOT NULL,
  created_at   INTEGER NOT NULL
);
CREATE INDEX step_agreement ON step(agreement_id, id);

CREATE TABLE step_event (
  seq          INTEGER PRIMARY KEY,
  step_id      INTEGER NOT NULL REFERENCES step(id),
  status       TEXT NOT NULL,              -- pending, in_progress, done, disputed (late is derived)
  party        TEXT NOT NULL,              -- who changed it
  at           INTEGER NOT NULL,           -- when it happened (not before the previous change)
  reason       TEXT,
  evidence     TEXT NOT NULL,              -- JSON list of {"url", "sha256"}
  created_at   INTEGER NOT NULL
);
CREATE INDEX step_event_step ON step_event(step_id, seq);

-- Formal notices between parties routed through the centre; delivery and acknowledgement
-- are notices (kind message, message_relay) in the notice table.
CREATE TABLE message (
  id           INTEGER PRIMARY KEY,
  sender       TEXT NOT NULL,
  recipient    TEXT NOT NULL,
  via          TEXT,                       -- the mediating party, or NULL for a direct message
  kind         TEXT NOT NULL,              -- proposal, request, reply, statement
  subject      TEXT,
  text         TEXT NOT NULL,
  reply_to     INTEGER,                    -- a message id, or NULL
  created_at   INTEGER NOT NULL
);
CREATE INDEX message_sender ON message(sender, id);
CREATE INDEX message_recipient ON message(recipient, id);
CREATE INDEX message_via ON message(via, id);

CREATE TABLE message_forward (
  message_id   INTEGER PRIMARY KEY REFERENCES message(id),
  party        TEXT NOT NULL,              -- the mediator
  note         TEXT,
  at           INTEGER NOT NULL
);
