-- Notification triggers: a search over new logs and the actions to run for each match. `account_id` '' is an
-- account-less trigger (internal callers only), which sees every log, internal_only ones included.
-- `actions` is a JSON array of {"type":"webhook","url":..,"secret":"whsec_..","disabled_at":null} and
-- {"type":"email","to":[..]}; the secret never leaves the service after the create's answer.
CREATE TABLE notification_triggers (
    id          text        PRIMARY KEY,                 -- KSUID
    name        text        NOT NULL CHECK (name <> '' AND char_length(name) <= 255),
    account_id  text        NOT NULL DEFAULT '',
    search      text        NOT NULL DEFAULT '',
    actions     jsonb       NOT NULL CHECK (jsonb_typeof(actions) = 'array'),
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);

-- Matching a create batch reads the triggers of the accounts that may see its logs and the account-less ones ('')
-- with one index lookup (`account_id = ANY($1)`, store::notifications::load_triggers), and only when the instance's
-- cache of parsed triggers is not of the current generation (2026-12-03-000002_notification_trigger_generation).
CREATE INDEX notification_triggers_account ON notification_triggers (account_id, created_at, id);
