-- Seeds the tenants the target-patch scenario changes (scripts/bench/router.sh), in one statement each.
-- psql variables: n (tenants), accounts, crn (log sink CRN of a `logs` target), crnp (the tenant CRN's prefix,
-- 'crn:v1:bluemix:public:logs-router:us-south:a/').
--   tenant i (1..n): id 00000000-0000-4000-8000-<i, 12 digits>, name 'patch-<i>', account acc-k, k = 1 + (i - 1) % accounts;
--   its one target:   id 00000000-0000-4000-9000-<i, 12 digits>, name 'logs-1', type logs.
-- Etags are placeholders: the load sends If-Match: *, and the first PATCH of a tenant stores real ones.
INSERT INTO tenants (id, account_id, name, crn, etag, created_at, updated_at, trace_id)
SELECT ('00000000-0000-4000-8000-' || lpad(i::text, 12, '0'))::uuid, 'acc-' || (1 + (i - 1) % :accounts), 'patch-' || i,
       :'crnp' || 'acc-' || (1 + (i - 1) % :accounts) || ':00000000-0000-4000-8000-' || lpad(i::text, 12, '0') || '::',
       '"seed"', now(), now(), 'seed'
FROM generate_series(1, :n) AS s(i);

INSERT INTO targets (id, tenant_id, name, log_sink_crn, target_type, host, port, credential_sealed, etag, created_at,
                     updated_at, trace_id)
SELECT ('00000000-0000-4000-9000-' || lpad(i::text, 12, '0'))::uuid, ('00000000-0000-4000-8000-' || lpad(i::text, 12, '0'))::uuid,
       'logs-1', :'crn', 'logs', 'logs.example.com', 443, NULL, '"seed"', now(), now(), 'seed'
FROM generate_series(1, :n) AS s(i);
