-- pgbench script: the console's cluster page (GET /clusters/cluster_logs?cluster_uuid=U&page=1&size=20
-- &orderBy=timestamp desc) for the cluster's OWNER: a `service-logs.log.read` token of account acc-A, A = 1 + c % 100,
-- the owner seed.sql registers in cluster_owners. The statements are the service's (store::logs::Seen::resolve, then
-- store::counts::total and store::logs::page; only the bound values are written as SQL here): the owner lookup of the
-- listed cluster, the total from log_counts, then the page, the visibility narrowed to "not internal_only" because
-- the reader owns the cluster. Needs -D clusters=N.
\set c random(1, :clusters)
\set a 1 + :c % 100
SELECT COUNT(*) FROM "cluster_owners" WHERE (("cluster_owners"."account_id" = 'acc-' || :a) AND ("cluster_owners"."cluster_uuid" = ANY(ARRAY['00000000-0000-4000-8000-' || lpad(:c, 12, '0')])));
SELECT coalesce(sum(n), 0)::int8 FROM "log_counts" WHERE (("log_counts"."internal_only" = false) AND ("log_counts"."cluster_uuid" = ANY(ARRAY['00000000-0000-4000-8000-' || lpad(:c, 12, '0')])));
SELECT "cluster_logs"."id", "cluster_logs"."cluster_uuid", "cluster_logs"."cluster_id", "cluster_logs"."subscription_id", "cluster_logs"."account_id", "cluster_logs"."severity", "cluster_logs"."service_name", "cluster_logs"."summary", "cluster_logs"."description", "cluster_logs"."internal_only", "cluster_logs"."log_type", "cluster_logs"."doc_references", "cluster_logs"."event_stream_id", "cluster_logs"."timestamp", "cluster_logs"."username", "cluster_logs"."created_at", "cluster_logs"."created_by", "cluster_logs"."email", "cluster_logs"."first_name", "cluster_logs"."last_name" FROM "cluster_logs" WHERE (("cluster_logs"."internal_only" = false) AND ("cluster_logs"."cluster_uuid" = '00000000-0000-4000-8000-' || lpad(:c, 12, '0'))) ORDER BY "cluster_logs"."timestamp" DESC, "cluster_logs"."id" DESC LIMIT 20 OFFSET 0;
