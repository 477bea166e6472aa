DROP TABLE notification_triggers;
