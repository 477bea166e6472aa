-- Matching a new log against notification triggers (store::notifications) looks up the owners of the batch's
-- clusters: by cluster_uuid (the primary key) and, for logs that carry no uuid, by cluster_id. This index makes the
-- second lookup an index-only scan too (each branch is its own statement part, UNION ALL, so neither keeps the
-- other's index unused); without it each create batch scanned the whole registry.
CREATE INDEX cluster_owners_cluster_id ON cluster_owners (cluster_id) INCLUDE (cluster_uuid, account_id);
