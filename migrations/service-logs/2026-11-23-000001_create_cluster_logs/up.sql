-- The logs. Text columns are NOT NULL with '' as "absent": the API writes empty strings, and searches such as
-- `username = ''` must match them.
CREATE TABLE cluster_logs (
    id              text        PRIMARY KEY,                 -- KSUID
    cluster_uuid    text        NOT NULL DEFAULT '',
    cluster_id      text        NOT NULL DEFAULT '',
    subscription_id text        NOT NULL DEFAULT '',
    account_id      text        NOT NULL DEFAULT '',
    severity        text        NOT NULL,
    service_name    text        NOT NULL,
    summary         text        NOT NULL CHECK (char_length(summary) <= 255),
    description     text        NOT NULL DEFAULT '',
    internal_only   boolean     NOT NULL DEFAULT false,
    log_type        text        NOT NULL DEFAULT '',
    doc_references  text[]      NOT NULL DEFAULT '{}',
    event_stream_id text        NOT NULL,
    "timestamp"     timestamptz NOT NULL,
    username        text        NOT NULL DEFAULT '',
    created_at      timestamptz NOT NULL DEFAULT now(),
    created_by      text        NOT NULL DEFAULT '',
    email           text        NOT NULL DEFAULT '',
    first_name      text        NOT NULL DEFAULT '',
    last_name       text        NOT NULL DEFAULT ''
);

-- The cluster page (console, osdctl, ocm describe): one cluster, newest first. Full, not partial (`WHERE id <> ''`):
-- the service's prepared statements may run on generic plans, which cannot prove a bound id is non-empty.
CREATE INDEX cluster_logs_cluster_uuid_ts ON cluster_logs (cluster_uuid, "timestamp" DESC, id DESC);
CREATE INDEX cluster_logs_cluster_id_ts ON cluster_logs (cluster_id, "timestamp" DESC, id DESC);
-- The default order of every list, and the per-account view of `service-logs.log.read` callers.
CREATE INDEX cluster_logs_created ON cluster_logs (created_at DESC, id DESC);
CREATE INDEX cluster_logs_account_created ON cluster_logs (account_id, created_at DESC, id DESC);
-- Fields searched by real clients: automation de-duplicates on service_name (+ created_at), the console filters
-- by severity and time, audit readers by log_type.
CREATE INDEX cluster_logs_service_name_created ON cluster_logs (service_name, created_at DESC);
CREATE INDEX cluster_logs_timestamp ON cluster_logs ("timestamp" DESC);
CREATE INDEX cluster_logs_log_type ON cluster_logs (log_type);
CREATE INDEX cluster_logs_subscription ON cluster_logs (subscription_id);

-- Idempotency-Key bookkeeping: one row per (caller, key), the hash of the body it came with and the log it made.
CREATE TABLE idempotency_keys (
    caller       text        NOT NULL,
    key          text        NOT NULL,
    request_hash text        NOT NULL,
    log_id       text        NOT NULL REFERENCES cluster_logs (id) ON DELETE CASCADE,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (caller, key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);
-- Deleting logs cascades here; without this index every delete would scan the table.
CREATE INDEX idempotency_keys_log ON idempotency_keys (log_id);
