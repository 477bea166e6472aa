DROP TRIGGER log_counts_truncate ON cluster_logs;
DROP TRIGGER log_counts_update_add ON cluster_logs;
DROP TRIGGER log_counts_update_remove ON cluster_logs;
DROP TRIGGER log_counts_delete ON cluster_logs;
DROP TRIGGER log_counts_insert ON cluster_logs;
DROP FUNCTION log_counts_clear();
DROP FUNCTION log_counts_remove();
DROP FUNCTION log_counts_add();
DROP TABLE log_counts;
