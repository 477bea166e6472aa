-- The delivery worker claims pending rows oldest first, by seq. An index in exactly that order, over pending rows
-- only, lets a claim of 50 rows read 50 index entries whatever the backlog; the index it replaces, on
-- (next_attempt_at, seq), made PostgreSQL sort every pending row for each claim.
CREATE INDEX audit_outbox_pending_seq ON audit_outbox (seq) WHERE delivered_at IS NULL AND parked_at IS NULL;
DROP INDEX audit_outbox_pending;
-- Parked rows are counted every second; they are few, and this index keeps the count off the table.
CREATE INDEX audit_outbox_parked ON audit_outbox (seq) WHERE parked_at IS NOT NULL;
