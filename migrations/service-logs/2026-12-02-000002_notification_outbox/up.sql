-- Notification bookkeeping, one row per log that matched a trigger when it was created: `notification_uuid`
-- assigned when queued, `notified_at` set when every action queued for it has finished. A duplicate of a recent
-- log (NOTIFICATION_DUPLICATE_WINDOW) gets a row with a null uuid and `duplicate_of`, and nothing queued.
CREATE TABLE cluster_log_notifications (
    log_id            text        PRIMARY KEY REFERENCES cluster_logs (id) ON DELETE CASCADE,
    notification_uuid uuid,
    duplicate_of      text,
    queued_at         timestamptz NOT NULL DEFAULT now(),
    notified_at       timestamptz,
    CHECK ((notification_uuid IS NULL) <> (duplicate_of IS NULL))
);

-- The outbox: one row per (log, trigger action) to run, written in the log's create transaction. The worker
-- claims due rows (`next_attempt_at`, pushed forward by a lease while a send is under way), and records the
-- outcome: `completed`, `given_up` (retries exhausted), `disabled` (410 Gone) or `skipped` (trigger or action
-- gone before the send).
CREATE TABLE notification_outbox (
    id              uuid        PRIMARY KEY,               -- also the webhook-id of every attempt
    log_id          text        NOT NULL REFERENCES cluster_logs (id) ON DELETE CASCADE,
    trigger_id      text        NOT NULL,
    action_hash     text        NOT NULL,
    action_type     text        NOT NULL CHECK (action_type IN ('webhook', 'email')),
    attempts        integer     NOT NULL DEFAULT 0,
    created_at      timestamptz NOT NULL DEFAULT now(),
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    finished_at     timestamptz,
    outcome         text        CHECK (outcome IN ('completed', 'given_up', 'disabled', 'skipped')),
    last_error      text        NOT NULL DEFAULT ''
);
-- The worker's claim: due unfinished rows in order; partial, so finished rows cost it nothing.
CREATE INDEX notification_outbox_due ON notification_outbox (next_attempt_at, id) WHERE finished_at IS NULL;
-- A log's completed actions (the notifications list), and the cascade of a log's delete.
CREATE INDEX notification_outbox_log ON notification_outbox (log_id);

-- The duplicate check of a new matched log: same cluster, service, severity, recent (summary, description and
-- internal_only are compared on the few rows this finds).
CREATE INDEX cluster_logs_duplicates ON cluster_logs (cluster_uuid, cluster_id, service_name, severity, created_at DESC);
