-- 0015: witnesses and what a party was told (docs/tlog.md "Witnesses", "Notices").

-- Cosignatures of the log's checkpoints by witnesses (C2SP tlog-cosignature), as the
-- witnesses answered them to add-checkpoint. A checkpoint is served with its cosignatures.
CREATE TABLE log_cosignature (
  size       INTEGER NOT NULL,  -- the checkpoint cosigned (log_checkpoint.size)
  witness    TEXT NOT NULL,     -- the witness's verifier key (name+id+base64(0x04 || key))
  line       TEXT NOT NULL,     -- its signed-note signature line, with its newline
  timestamp  INTEGER NOT NULL,  -- the cosignature's time (POSIX seconds)
  PRIMARY KEY (size, witness)
) WITHOUT ROWID;
CREATE INDEX log_cosignature_witness ON log_cosignature(witness, size);

-- Every notice delivered is a log entry (notice.create), so what a party was told is under
-- the log. NULL for notices delivered before this migration.
ALTER TABLE notice ADD COLUMN log_index INTEGER;
