-- A reader's list of every log it may see (store::reader_lists, and the `reader_page` function of migration
-- 2026-12-06-000004) merges, newest first, the logs of each cluster its account owns: this index hands them out in
-- that order. It also serves the duplicate check of notifications (same cluster, recent: the cluster's logs of the
-- window, in this index), which had an index of its own, dropped by migration 2026-12-06-000005: each index on
-- this table costs every create an insert into it.
-- Built CONCURRENTLY, so creates go on while it is built (one statement per migration, outside a transaction: see
-- metadata.toml). If the build fails it leaves an INVALID index behind and the migration fails; drop that index
-- (`DROP INDEX CONCURRENTLY cluster_logs_cluster_created`) and migrate again.
CREATE INDEX CONCURRENTLY cluster_logs_cluster_created ON cluster_logs (cluster_uuid, created_at DESC, id DESC);
