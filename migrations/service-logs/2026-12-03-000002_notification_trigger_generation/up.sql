-- The generation of notification_triggers: one row, given a new random value by every statement that writes the
-- triggers (a statement-level trigger, so that no writer can forget: the API's create, patch and delete, the
-- worker's disabling of a webhook after a 410, an operator's SQL, a TRUNCATE), in the writer's own transaction.
--
-- Each service instance keeps the triggers it has read and parsed in memory, with the generation read in the
-- same statement (store::notifications). A create batch reads the generation in its own transaction (with the
-- owners of its clusters, one statement): the same value means the same committed trigger writes, so the cached
-- triggers are exactly those its snapshot sees; another value, and it reads the triggers again. Writers queue on
-- this row's lock (trigger writes are rare); readers take no lock. Random rather than a counter, so that a value
-- cannot come back (a restored or re-created database counting up to a cached number again).
CREATE TABLE notification_trigger_generation (
    id          boolean     PRIMARY KEY DEFAULT true CHECK (id),
    generation  uuid        NOT NULL DEFAULT gen_random_uuid()
);
INSERT INTO notification_trigger_generation DEFAULT VALUES;

CREATE FUNCTION notification_triggers_bump_generation() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE notification_trigger_generation SET generation = gen_random_uuid();
    RETURN NULL;
END
$$;

CREATE TRIGGER notification_triggers_generation
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON notification_triggers
    FOR EACH STATEMENT EXECUTE FUNCTION notification_triggers_bump_generation();
