DROP TABLE idempotency_keys;
DROP TABLE cluster_logs;
