-- For the logs that carry no cluster_uuid, which a reader sees through its owned clusters' cluster_id
-- (`reader_page`): a small index, since nearly every log carries a uuid. CONCURRENTLY, as the previous migration.
CREATE INDEX CONCURRENTLY cluster_logs_visible_uuidless_created
    ON cluster_logs (cluster_id, created_at DESC, id DESC) WHERE NOT internal_only AND cluster_uuid = '';
