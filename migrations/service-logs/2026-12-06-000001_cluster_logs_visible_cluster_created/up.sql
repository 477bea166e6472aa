-- A reader's list of every log it may see (the `reader_page` function, next migration but one) merges, newest
-- first, the visible logs of each cluster its account owns: this index hands them out in that order, without
-- walking the cluster's internal_only logs. Built CONCURRENTLY, so creates go on while it is built (one statement
-- per migration, outside a transaction: see metadata.toml). If the build fails it leaves an INVALID index behind
-- and the migration fails; drop that index (`DROP INDEX CONCURRENTLY cluster_logs_visible_cluster_created`) and
-- migrate again.
CREATE INDEX CONCURRENTLY cluster_logs_visible_cluster_created
    ON cluster_logs (cluster_uuid, created_at DESC, id DESC) WHERE NOT internal_only;
