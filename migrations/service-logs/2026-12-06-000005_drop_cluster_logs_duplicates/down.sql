CREATE INDEX CONCURRENTLY cluster_logs_duplicates ON cluster_logs (cluster_uuid, cluster_id, service_name, severity, created_at DESC);
