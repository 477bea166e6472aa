DROP INDEX cluster_logs_duplicates;
DROP TABLE notification_outbox;
DROP TABLE cluster_log_notifications;
