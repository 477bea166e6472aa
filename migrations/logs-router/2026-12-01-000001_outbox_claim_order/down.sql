DROP INDEX audit_outbox_parked;
CREATE INDEX audit_outbox_pending ON audit_outbox (next_attempt_at, seq) WHERE delivered_at IS NULL AND parked_at IS NULL;
DROP INDEX audit_outbox_pending_seq;
