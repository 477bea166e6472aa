-- The per-lane indexes go with the column.
ALTER TABLE audit_outbox DROP COLUMN lane;
