-- pgbench script: the large account's first page (GET /cluster_logs?page=1&size=100) for a `service-logs.log.read`
-- token of acc-big (seed.sql: :big logs over 50 clusters it owns, half without an account_id). The statements are
-- the service's (store::counts::total with store::owners::readable_on!, and store::logs::ReaderPage; only the bound
-- values are written as SQL here): the exact total from log_counts, then the newest 100 from the reader_page function
-- (migration 2026-12-06-000004_reader_page).
SELECT coalesce(sum(n), 0)::int8 FROM "log_counts" WHERE (("log_counts"."internal_only" = false) AND (("log_counts"."account_id" = 'acc-big') OR ("log_counts"."cluster_uuid" = ANY(ARRAY(SELECT o.cluster_uuid FROM cluster_owners o WHERE o.account_id = 'acc-big')) OR ("log_counts"."cluster_uuid" = '' AND "log_counts"."cluster_id" = ANY(ARRAY(SELECT o.cluster_id FROM cluster_owners o WHERE o.account_id = 'acc-big' AND o.cluster_id <> ''))))));
SELECT * FROM reader_page('acc-big', 100, 0);
