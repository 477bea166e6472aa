-- A reader's list of every cluster in `timestamp` order (the web console's and osdctl's order) reads the reader's own
-- logs by this index in that order (store::reader_lists); without it that part reads all of the account's logs and
-- sorts them. CONCURRENTLY, as the two migrations before.
CREATE INDEX CONCURRENTLY cluster_logs_visible_account_timestamp
    ON cluster_logs (account_id, "timestamp" DESC, id DESC) WHERE NOT internal_only;
