//! Hand-kept diesel schema; must match `migrations/service-logs`.

diesel::table! {
    cluster_logs (id) {
        id -> Text,
        cluster_uuid -> Text,
        cluster_id -> Text,
        subscription_id -> Text,
        account_id -> Text,
        severity -> Text,
        service_name -> Text,
        summary -> Text,
        description -> Text,
        internal_only -> Bool,
        log_type -> Text,
        doc_references -> Array<Text>,
        event_stream_id -> Text,
        timestamp -> Timestamptz,
        username -> Text,
        created_at -> Timestamptz,
        created_by -> Text,
        email -> Text,
        first_name -> Text,
        last_name -> Text,
    }
}

diesel::table! {
    idempotency_keys (caller, key) {
        caller -> Text,
        key -> Text,
        request_hash -> Text,
        log_id -> Text,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    cluster_owners (cluster_uuid) {
        cluster_uuid -> Text,
        cluster_id -> Text,
        subscription_id -> Text,
        account_id -> Text,
        source -> Text,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    notification_triggers (id) {
        id -> Text,
        name -> Text,
        account_id -> Text,
        search -> Text,
        actions -> Jsonb,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    notification_trigger_generation (id) {
        id -> Bool,
        generation -> Uuid,
    }
}

diesel::table! {
    cluster_log_notifications (log_id) {
        log_id -> Text,
        notification_uuid -> Nullable<Uuid>,
        duplicate_of -> Nullable<Text>,
        queued_at -> Timestamptz,
        notified_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    notification_outbox (id) {
        id -> Uuid,
        log_id -> Text,
        trigger_id -> Text,
        action_hash -> Text,
        action_type -> Text,
        attempts -> Integer,
        created_at -> Timestamptz,
        next_attempt_at -> Timestamptz,
        finished_at -> Nullable<Timestamptz>,
        outcome -> Nullable<Text>,
        last_error -> Text,
    }
}

diesel::joinable!(idempotency_keys -> cluster_logs (log_id));
diesel::joinable!(cluster_log_notifications -> cluster_logs (log_id));
diesel::joinable!(notification_outbox -> cluster_logs (log_id));
diesel::allow_tables_to_appear_in_same_query!(
    cluster_logs,
    idempotency_keys,
    cluster_owners,
    notification_triggers,
    cluster_log_notifications,
    notification_outbox,
    log_counts
);

diesel::table! {
    log_counts (account_id, cluster_uuid, cluster_id, internal_only) {
        account_id -> Text,
        cluster_uuid -> Text,
        cluster_id -> Text,
        internal_only -> Bool,
        n -> BigInt,
    }
}
