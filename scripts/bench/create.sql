-- pgbench script: the create-log request of the service (POST /cluster_logs without Idempotency-Key), which is one
-- INSERT ... RETURNING of every column (store::logs::insert). Values the service computes in Rust (id, timestamps,
-- event_stream_id) are computed here from pgbench variables or now(). Needs -D clusters=N.
\set c random(1, :clusters)
\set r random(1, 9000000000000000000)
INSERT INTO cluster_logs (id, cluster_uuid, cluster_id, subscription_id, account_id, severity, service_name, summary, description, internal_only, log_type, doc_references, event_stream_id, "timestamp", username, created_at, created_by, email, first_name, last_name) VALUES ('p' || lpad(:r, 26, '0'), '00000000-0000-4000-8000-' || lpad(:c, 12, '0'), 'bench' || lpad(:c, 27, '0'), 's', '', 'Info', 'SREManualAction', 'bench', 'd', false, '', '{}', 'q' || lpad(:r, 26, '0'), now(), '', now(), 'bench', '', '', '') RETURNING id, cluster_uuid, cluster_id, subscription_id, account_id, severity, service_name, summary, description, internal_only, log_type, doc_references, event_stream_id, "timestamp", username, created_at, created_by, email, first_name, last_name;
