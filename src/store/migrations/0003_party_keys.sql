-- 0003: parties may register an Ed25519 public key and sign what they submit
-- (docs/tlog.md, "Signed submissions"). Earlier keys stay in the log (party.key entries).
ALTER TABLE party ADD COLUMN public_key TEXT;  -- base64 of the 32-byte key, or NULL
-- The exact bytes of a signed submission, beside its log entry (which holds their SHA-256
-- and the signature), so an auditor can check the signature.
ALTER TABLE log_entry ADD COLUMN submission BLOB;
