-- The duplicate check of notifications reads cluster_logs_cluster_created now (migration 2026-12-06-000001): one
-- index fewer for every create to write. CONCURRENTLY: creates and reads go on meanwhile.
DROP INDEX CONCURRENTLY IF EXISTS cluster_logs_duplicates;
