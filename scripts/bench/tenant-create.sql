-- pgbench script: the transaction logs-router runs for POST /v1/tenants with one `logs` target (store::tenants::create,
-- as its statement log shows): the per-account advisory lock, the tenant count (the limit check), the tenant, its
-- target and the audit event (a ~1.2 KB CADF document like the router's) in the outbox. A random account among
-- :accounts; the ids (md5 of a random number, as uuids), names ('pg-<client>-<random>') and trace ids are unique.
-- Values the router computes in Rust (ids, etags, CRNs, the event) are built here from pgbench variables or now().
-- Needs -D accounts=N -D crn=<log sink CRN> -D crnp='crn:v1:bluemix:public:logs-router:us-south:a/'
-- -D lockp='tenants:acc-' (pgbench would read a ':' followed by a letter inside a literal as a variable).
\set a random(1, :accounts)
\set r random(1, 9000000000000000000)
BEGIN;
SELECT pg_advisory_xact_lock(hashtextextended(:lockp || :a, 0));
SELECT COUNT(*) FROM tenants WHERE account_id = 'acc-' || :a;
INSERT INTO tenants (id, account_id, name, crn, etag, created_at, updated_at, trace_id) VALUES (md5('t' || :r)::uuid, 'acc-' || :a, 'pg-' || :client_id || '-' || :r, :crnp || 'acc-' || :a || ':' || md5('t' || :r)::uuid || '::', '"9f2c1a7e0b3d45c68e1f2a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f"', now(), now(), md5('x' || :r)::uuid::text);
INSERT INTO targets (id, tenant_id, name, log_sink_crn, target_type, host, port, credential_sealed, etag, created_at, updated_at, trace_id) VALUES (md5('g' || :r)::uuid, md5('t' || :r)::uuid, 'logs-1', :crn, 'logs', 'logs.example.com', 443, NULL, '"0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9"', now(), now(), md5('x' || :r)::uuid::text);
INSERT INTO audit_outbox (event_id, account_id, event, traceparent) VALUES (md5('e' || :r)::uuid, 'acc-' || :a, ('{"id": "' || md5('e' || :r)::uuid || '", "action": "logs-router.tenant.create", "reason": {"reasonCode": 201, "reasonType": "Created"}, "target": {"id": "' || :crnp || 'acc-' || :a || ':' || md5('t' || :r)::uuid || '::", "name": "pg-' || :client_id || '-' || :r || '", "typeURI": "logs-router/tenant"}, "message": "Logs Routing: create tenant pg-' || :client_id || '-' || :r || '", "outcome": "success", "observer": {"name": "ActivityTracker"}, "severity": "normal", "dataEvent": false, "eventTime": "2026-11-23T05:04:04.143730143Z", "initiator": {"id": "bench", "host": {"address": "127.0.0.1"}, "name": "bench", "typeURI": "service/security/account/user", "credential": {"type": "token"}}, "requestData": {"region": "us-south", "tenantID": "' || upper(md5('t' || :r)::uuid::text) || '", "targetCRN": "' || :crn || '", "targetHost": "logs.example.com", "targetPort": 443, "targetType": "logs"}, "responseData": {"tenantCRN": "' || :crnp || 'acc-' || :a || ':' || md5('t' || :r)::uuid || '::"}, "correlationId": "' || md5('x' || :r)::uuid || '"}')::jsonb, '');
COMMIT;
