-- Tenants of this region. `etag` is the SHA-256 of the tenant's representation (its targets included), kept in step
-- by every write so a PATCH can compare-and-set on it.
CREATE TABLE tenants (
    id         uuid        PRIMARY KEY,
    account_id text        NOT NULL,
    name       text        NOT NULL,
    crn        text        NOT NULL,
    etag       text        NOT NULL,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    trace_id   text        NOT NULL,          -- X-Trace-ID of the request that last wrote the row
    CONSTRAINT tenants_name_per_account UNIQUE (account_id, name)
);
CREATE INDEX tenants_account ON tenants (account_id, created_at);

-- Targets: at most one of each type per tenant, names unique per tenant; they go with their tenant.
CREATE TABLE targets (
    id                 uuid        PRIMARY KEY,
    tenant_id          uuid        NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    name               text        NOT NULL,
    log_sink_crn       text        NOT NULL,
    target_type        text        NOT NULL CHECK (target_type IN ('logdna', 'logs')),
    host               text        NOT NULL,
    port               integer     NOT NULL CHECK (port BETWEEN 1 AND 65535),
    credential_sealed  bytea,                 -- AES-256-GCM, see crates/sealing; never in a response
    etag               text        NOT NULL,
    created_at         timestamptz NOT NULL,
    updated_at         timestamptz NOT NULL,
    trace_id           text        NOT NULL,
    CONSTRAINT targets_name_per_tenant UNIQUE (tenant_id, name),
    CONSTRAINT targets_type_per_tenant UNIQUE (tenant_id, target_type)
);
CREATE INDEX targets_tenant ON targets (tenant_id, created_at);

-- Audit events waiting for delivery to service-logs, written in the same transaction as the change they record.
CREATE TABLE audit_outbox (
    seq             bigserial   PRIMARY KEY,  -- delivery order: oldest first
    event_id        uuid        NOT NULL UNIQUE,
    account_id      text        NOT NULL,
    event           jsonb       NOT NULL,
    traceparent     text        NOT NULL DEFAULT '',
    created_at      timestamptz NOT NULL DEFAULT now(),
    attempts        integer     NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    last_error      text        NOT NULL DEFAULT '',
    delivered_at    timestamptz,
    parked_at       timestamptz               -- a 4xx that can never succeed: kept, counted, not retried
);
CREATE INDEX audit_outbox_pending ON audit_outbox (next_attempt_at, seq) WHERE delivered_at IS NULL AND parked_at IS NULL;
