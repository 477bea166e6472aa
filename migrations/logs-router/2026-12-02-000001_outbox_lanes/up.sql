-- Delivery lanes. The worker delivers several batches at once, and a tenant's events must reach service-logs in the
-- order they happened: every row belongs to one of 16 lanes by its account (a tenant's events all carry its
-- account), a lane is delivered by one batch at a time (the worker holds the advisory lock (0x109e71, lane) while it
-- sends), and a lane's rows go oldest first. The lane is computed by PostgreSQL from the account, so every writer
-- (and every version of the router) agrees on it. Adding the column rewrites the table under an ACCESS EXCLUSIVE
-- lock: the outbox holds pending rows and AUDIT_DELIVERED_RETENTION_DAYS of delivered ones.
ALTER TABLE audit_outbox
    ADD COLUMN lane smallint GENERATED ALWAYS AS ((hashtext(account_id) & 15)::smallint) STORED;
-- One index per lane over its pending rows, in seq order: a lane's claim and its head probe read that lane's rows
-- only, whatever the other lanes hold. (One index on (lane, seq) is not enough: the lanes are spread over the heap,
-- so the planner prefers walking audit_outbox_pending_seq in heap order and filtering by lane, which for a lane with
-- few pending rows walks the whole backlog.) The queries name the lane as a literal so that the planner can match
-- the index's predicate.
DO $$
BEGIN
    FOR l IN 0..15 LOOP
        EXECUTE format('CREATE INDEX audit_outbox_pending_lane_%s ON audit_outbox (seq) '
                       'WHERE lane = %s AND delivered_at IS NULL AND parked_at IS NULL', l, l);
    END LOOP;
END
$$;
