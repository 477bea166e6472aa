//! Hand-kept diesel schema; must match `migrations/logs-router`.

diesel::table! {
    tenants (id) {
        id -> Uuid,
        account_id -> Text,
        name -> Text,
        crn -> Text,
        etag -> Text,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        trace_id -> Text,
    }
}

diesel::table! {
    targets (id) {
        id -> Uuid,
        tenant_id -> Uuid,
        name -> Text,
        log_sink_crn -> Text,
        target_type -> Text,
        host -> Text,
        port -> Int4,
        credential_sealed -> Nullable<Bytea>,
        etag -> Text,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        trace_id -> Text,
    }
}

diesel::table! {
    audit_outbox (seq) {
        seq -> Int8,
        event_id -> Uuid,
        account_id -> Text,
        event -> Jsonb,
        traceparent -> Text,
        created_at -> Timestamptz,
        attempts -> Int4,
        next_attempt_at -> Timestamptz,
        last_error -> Text,
        delivered_at -> Nullable<Timestamptz>,
        parked_at -> Nullable<Timestamptz>,
    }
}

diesel::joinable!(targets -> tenants (tenant_id));
diesel::allow_tables_to_appear_in_same_query!(tenants, targets, audit_outbox);
