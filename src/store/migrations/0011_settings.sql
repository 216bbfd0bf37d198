-- 0011: settings the server ran with that decide what it answers, so the command line
-- reproduces it (the monitoring options: the bulletin's day, the clustering). The one
-- table whose rows are replaced: it records the latest values, not a history.
CREATE TABLE setting (
  name        TEXT PRIMARY KEY,            -- the option, e.g. "--bulletin-tz"
  value       TEXT NOT NULL,
  set_at      INTEGER NOT NULL
);
