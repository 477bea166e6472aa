-- Exact totals without counting logs. A list's `total` is exact, and counting an account's half-million logs (or
-- every log, for an internal reader) one by one costs tens to hundreds of milliseconds whatever the index. The
-- logs are counted here instead, per (account_id, cluster_uuid, cluster_id, internal_only): each log is in exactly
-- one row, so a list without a search totals the rows its visibility and cluster scope select, a few per cluster
-- (store::counts). A search still counts the logs it matches.
--
-- The counts are kept by statement-level triggers on cluster_logs, in the writing transaction, so that no write
-- path (creates, deletes by id or warehouse, retention, a hand-written statement) can leave them wrong. Rows are
-- locked in key order (the insert's ORDER BY, the delete's FOR UPDATE) so that two writers never deadlock on them.
-- Creating the triggers and counting the existing logs holds a lock that blocks writes to cluster_logs for as long
-- as the count takes (about a second per few million logs; docs/operations.md).
CREATE TABLE log_counts (
    account_id    text    NOT NULL,
    cluster_uuid  text    NOT NULL,
    cluster_id    text    NOT NULL,
    internal_only boolean NOT NULL,
    n             bigint  NOT NULL CHECK (n >= 0),
    PRIMARY KEY (account_id, cluster_uuid, cluster_id, internal_only)
);
-- An owner's clusters are looked up by uuid, or by id for logs without one (store::owners::readable_by).
CREATE INDEX log_counts_cluster_uuid ON log_counts (cluster_uuid);
CREATE INDEX log_counts_cluster_id ON log_counts (cluster_id);

CREATE FUNCTION log_counts_add() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO log_counts AS c (account_id, cluster_uuid, cluster_id, internal_only, n)
    SELECT account_id, cluster_uuid, cluster_id, internal_only, count(*)
    FROM added GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
    ON CONFLICT (account_id, cluster_uuid, cluster_id, internal_only) DO UPDATE SET n = c.n + EXCLUDED.n;
    RETURN NULL;
END
$$;

CREATE FUNCTION log_counts_remove() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM log_counts c
    WHERE (c.account_id, c.cluster_uuid, c.cluster_id, c.internal_only) IN
          (SELECT account_id, cluster_uuid, cluster_id, internal_only FROM removed)
    ORDER BY c.account_id, c.cluster_uuid, c.cluster_id, c.internal_only
    FOR UPDATE OF c;
    UPDATE log_counts c SET n = c.n - r.n
    FROM (SELECT account_id, cluster_uuid, cluster_id, internal_only, count(*) AS n
          FROM removed GROUP BY 1, 2, 3, 4) r
    WHERE (c.account_id, c.cluster_uuid, c.cluster_id, c.internal_only)
        = (r.account_id, r.cluster_uuid, r.cluster_id, r.internal_only);
    RETURN NULL;
END
$$;

CREATE FUNCTION log_counts_clear() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM log_counts;
    RETURN NULL;
END
$$;

CREATE TRIGGER log_counts_insert AFTER INSERT ON cluster_logs
    REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION log_counts_add();
CREATE TRIGGER log_counts_delete AFTER DELETE ON cluster_logs
    REFERENCING OLD TABLE AS removed FOR EACH STATEMENT EXECUTE FUNCTION log_counts_remove();
-- Logs are not updated by the service; a hand-written UPDATE of a counted column moves the log between rows.
CREATE TRIGGER log_counts_update_remove AFTER UPDATE ON cluster_logs
    REFERENCING OLD TABLE AS removed FOR EACH STATEMENT EXECUTE FUNCTION log_counts_remove();
CREATE TRIGGER log_counts_update_add AFTER UPDATE ON cluster_logs
    REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION log_counts_add();
CREATE TRIGGER log_counts_truncate AFTER TRUNCATE ON cluster_logs
    FOR EACH STATEMENT EXECUTE FUNCTION log_counts_clear();

LOCK TABLE cluster_logs IN SHARE ROW EXCLUSIVE MODE;
INSERT INTO log_counts (account_id, cluster_uuid, cluster_id, internal_only, n)
SELECT account_id, cluster_uuid, cluster_id, internal_only, count(*) FROM cluster_logs GROUP BY 1, 2, 3, 4;
