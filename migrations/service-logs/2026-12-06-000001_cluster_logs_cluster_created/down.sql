DROP INDEX CONCURRENTLY IF EXISTS cluster_logs_cluster_created;
