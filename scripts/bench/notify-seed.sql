-- Seeds the notify part's triggers (scripts/bench/notify.sh) into bench_triggers, a table laid out like
-- notification_triggers (migrations/service-logs/*_notification_triggers): the part first measures creates with no
-- trigger at all, then copies these rows into notification_triggers and measures again.
-- psql variables: accounts (100, seed.sql's), per_account (e.g. 100), hook (the receiver's base URL,
-- e.g. http://127.0.0.1:18099).
--
-- Account acc-k (k = 1..accounts) gets per_account triggers, i = 1..per_account; the searches are in the list
-- searches' language (docs/search.md), the mix an owner might keep:
--   i = 1          service_name = 'BenchNotify'                                  webhook <hook>/notify
--                  (the latency trigger: only notify.lua's steady load sends such logs)
--   i = 3          cluster_uuid = <the account's cluster 99 + k>                 webhook <hook>/load
--                  (one of its ~100 clusters: matches ~1 % of the account's creates; most of those are duplicates
--                  within NOTIFICATION_DUPLICATE_WINDOW of a log the run without triggers stored for the same
--                  cluster, since create.lua's bodies repeat: recorded as such, not delivered)
--   otherwise, by i % 8, none of which matches the bench's bodies (severity Info, summary 'bench', log_type ''):
--     0  severity = 'Error'                                                      webhook + e-mail
--     1  severity in ('Error', 'Major') and service_name = 'ClusterLifecycle'   webhook
--     2  service_name like 'SRE%' and severity in ('Warning', 'Error', 'Major') webhook
--     3  cluster_uuid in (<two of the account's clusters>) and severity != 'Info'
--     4  summary ilike '%upgrade%' or description like '%outage%'               webhook + e-mail
--     5  internal_only = 'false' and log_type = 'cluster-lifecycle' and severity != 'Debug'
--     6  cluster_id = <one of the account's clusters> and severity = 'Warning'
--     7  not (severity in ('Info', 'Debug')) and created_by like 'sre-%'
-- Cluster n of account k is 100 * n + k - 1 (its owner in seed.sql is acc-(1 + c % 100) = acc-k); ids are 27
-- characters like the service's KSUIDs; each webhook has a secret of the service's form, whsec_ + base64 of 32 bytes,
-- kept unsealed as a version before WEBHOOK_SECRETS_KEY kept it (the service opens either form; its next start seals them).
-- The uuid of seeded cluster n, as seed.sql and common.lua write it.
CREATE FUNCTION pg_temp.bench_uuid(n integer) RETURNS text LANGUAGE sql IMMUTABLE
    AS $$ SELECT '00000000-0000-4000-8000-' || lpad(n::text, 12, '0') $$;

CREATE TABLE bench_triggers (LIKE notification_triggers INCLUDING DEFAULTS);

INSERT INTO bench_triggers (id, name, account_id, search, actions, created_at, updated_at)
SELECT
    'bt' || lpad(k::text, 5, '0') || lpad(i::text, 20, '0'),
    CASE WHEN i = 1 THEN 'bench-notify acc-' || k ELSE 'bench trigger ' || i || ' of acc-' || k END,
    'acc-' || k,
    CASE
        WHEN i = 1 THEN 'service_name = ''BenchNotify'''
        WHEN i = 3 THEN format('cluster_uuid = %L', pg_temp.bench_uuid(99 + k))
        WHEN i % 8 = 0 THEN 'severity = ''Error'''
        WHEN i % 8 = 1 THEN 'severity in (''Error'', ''Major'') and service_name = ''ClusterLifecycle'''
        WHEN i % 8 = 2 THEN 'service_name like ''SRE%'' and severity in (''Warning'', ''Error'', ''Major'')'
        WHEN i % 8 = 3 THEN format('cluster_uuid in (%L, %L) and severity != ''Info''',
                                   pg_temp.bench_uuid(100 * i + k - 1),
                                   pg_temp.bench_uuid(100 * (i + 1) + k - 1))
        WHEN i % 8 = 4 THEN 'summary ilike ''%upgrade%'' or description like ''%outage%'''
        WHEN i % 8 = 5 THEN 'internal_only = ''false'' and log_type = ''cluster-lifecycle'' and severity != ''Debug'''
        WHEN i % 8 = 6 THEN format('cluster_id = %L and severity = ''Warning''',
                                   'bench' || lpad((100 * i + k - 1)::text, 27, '0'))
        ELSE 'not (severity in (''Info'', ''Debug'')) and created_by like ''sre-%'''
    END,
    jsonb_build_array(jsonb_build_object(
        'type', 'webhook',
        'url', :'hook' || CASE WHEN i = 1 THEN '/notify' ELSE '/load' END,
        'secret', 'whsec_' || encode(sha256(convert_to('bench-' || k || '-' || i, 'UTF8')), 'base64')))
    || CASE WHEN i > 3 AND i % 8 IN (0, 4)
            THEN jsonb_build_array(jsonb_build_object('type', 'email', 'to', jsonb_build_array('ops-' || k || '@example.com')))
            ELSE '[]'::jsonb END,
    now() - interval '1 day' + (k * 1000 + i) * interval '1 millisecond',
    now() - interval '1 day' + (k * 1000 + i) * interval '1 millisecond'
FROM generate_series(1, :accounts) AS k, generate_series(1, :per_account) AS i;
