-- 0010: operations keep their volumes also in a compact binary form (store_dc_pack.c),
-- read at start-up and by conflict checks instead of re-parsing the Volume4D JSON (the
-- `volumes` column stays: it is the submitted form). NULL for rows written before.
ALTER TABLE operation ADD COLUMN volumes_bin BLOB;
