DROP TABLE audit_outbox;
DROP TABLE targets;
DROP TABLE tenants;
