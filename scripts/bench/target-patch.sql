-- pgbench script: the transaction logs-router runs for PATCH /v1/tenants/{id}/targets/{tid} with
-- {"parameters":{"port":P}} and If-Match: * (store::tenants::update_target, as its statement log shows): lock the
-- tenant row, read its targets, update the target, update the tenant's etag (computed from the targets already read)
-- and trace id, and the audit event (~1.2 KB CADF, like the router's) in the outbox. The tenants are
-- router-seed.sql's; client c uses a block of its own (:per tenants, picked at random), so clients never wait for
-- each other's row locks. Values the router computes in Rust (etags, the event) are built from pgbench variables.
-- Needs -D accounts=N -D per=<tenants per client> -D crn=<log sink CRN> -D crnp='crn:v1:bluemix:public:logs-router:us-south:a/'.
\set i :client_id * :per + random(1, :per)
\set a 1 + (:i - 1) % :accounts
\set port random(1, 65535)
\set r random(1, 9000000000000000000)
BEGIN;
SELECT id, account_id, name, crn, etag, created_at, updated_at, trace_id FROM tenants WHERE id = ('00000000-0000-4000-8000-' || lpad(:i, 12, '0'))::uuid AND account_id = 'acc-' || :a LIMIT 1 FOR UPDATE;
SELECT id, tenant_id, name, log_sink_crn, target_type, host, port, credential_sealed, etag, created_at, updated_at, trace_id FROM targets WHERE tenant_id = ('00000000-0000-4000-8000-' || lpad(:i, 12, '0'))::uuid ORDER BY created_at ASC, id ASC;
UPDATE targets SET name = 'logs-1', log_sink_crn = :crn, target_type = 'logs', host = 'logs.example.com', port = :port, credential_sealed = NULL, etag = '"0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9"', updated_at = now(), trace_id = md5('x' || :r)::uuid::text WHERE id = ('00000000-0000-4000-9000-' || lpad(:i, 12, '0'))::uuid;
UPDATE tenants SET etag = '"9f2c1a7e0b3d45c68e1f2a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f"', trace_id = md5('x' || :r)::uuid::text WHERE id = ('00000000-0000-4000-8000-' || lpad(:i, 12, '0'))::uuid;
INSERT INTO audit_outbox (event_id, account_id, event, traceparent) VALUES (md5('e' || :r)::uuid, 'acc-' || :a, ('{"id": "' || md5('e' || :r)::uuid || '", "action": "logs-router.tenant.update", "reason": {"reasonCode": 200, "reasonType": "OK"}, "target": {"id": "' || :crnp || 'acc-' || :a || ':00000000-0000-4000-8000-' || lpad(:i, 12, '0') || '::", "name": "patch-' || :i || '", "typeURI": "logs-router/tenant"}, "message": "Logs Routing: update tenant patch-' || :i || '", "outcome": "success", "observer": {"name": "ActivityTracker"}, "severity": "warning", "dataEvent": false, "eventTime": "2026-11-23T05:04:04.166176068Z", "initiator": {"id": "bench", "host": {"address": "127.0.0.1"}, "name": "bench", "typeURI": "service/security/account/user", "credential": {"type": "token"}}, "requestData": {"region": "us-south", "tenantID": "00000000-0000-4000-8000-' || lpad(:i, 12, '0') || '", "targetCRN": "' || :crn || '", "targetHost": "logs.example.com", "targetPort": ' || :port || ', "targetType": "logs"}, "responseData": {"tenantCRN": "' || :crnp || 'acc-' || :a || ':00000000-0000-4000-8000-' || lpad(:i, 12, '0') || '::"}, "correlationId": "' || md5('x' || :r)::uuid || '"}')::jsonb, '');
COMMIT;
