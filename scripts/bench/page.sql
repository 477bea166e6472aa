-- pgbench script: the console's cluster page (GET /clusters/cluster_logs?cluster_uuid=U&page=1&size=20
-- &orderBy=timestamp desc) with a read-internal token: the total (store::counts, from log_counts), then the page
-- (store::logs::page), both per request.
-- Needs -D clusters=N.
\set c random(1, :clusters)
SELECT coalesce(sum(n), 0)::int8 FROM "log_counts" WHERE ("log_counts"."cluster_uuid" = ANY(ARRAY['00000000-0000-4000-8000-' || lpad(:c, 12, '0')]));
SELECT id, cluster_uuid, cluster_id, subscription_id, account_id, severity, service_name, summary, description, internal_only, log_type, doc_references, event_stream_id, "timestamp", username, created_at, created_by, email, first_name, last_name FROM cluster_logs WHERE cluster_uuid = '00000000-0000-4000-8000-' || lpad(:c, 12, '0') ORDER BY "timestamp" DESC, id DESC LIMIT 20 OFFSET 0;
