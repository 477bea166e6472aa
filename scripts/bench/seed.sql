-- Seeds cluster_logs for `make bench` (scripts/bench/run.sh) in ONE statement, then the cluster-owner registry
-- (cluster_owners) in a second one. psql variables: rows (e.g. 1000000), clusters (e.g. 10000).
--
-- Shape, chosen to look like production:
--   * rows are inserted in time order (as the service would have written them), spread over the last year, so the
--     logs of one cluster are scattered over the heap, one page each, like in a real table;
--   * cluster c (1..clusters) has cluster_uuid '00000000-0000-4000-8000-' || lpad(c, 12, '0') and cluster_id
--     'bench' || lpad(c, 27, '0') (32 characters); the load generators compute the same strings;
--   * clusters are picked at random (about rows/clusters logs each); cluster c belongs to account
--     'acc-' || (1 + c % 100) (100 accounts, about clusters/100 clusters each): its logs carry that account_id and
--     cluster_owners names it as the owner ('learned', as the service records it from the first log naming an
--     account); about 10 % of logs are internal_only, severities and service_names follow a skewed spread;
--   * ids are 27 alphanumeric characters ('0'-padded hex), unique; the service's own KSUIDs never collide with them.
SELECT setseed(0.4242);

INSERT INTO cluster_logs (
    id, cluster_uuid, cluster_id, subscription_id, account_id, severity, service_name, summary, description,
    internal_only, log_type, doc_references, event_stream_id, "timestamp", username, created_at, created_by, email,
    first_name, last_name)
SELECT
    lpad(to_hex(g.i), 27, '0'),
    '00000000-0000-4000-8000-' || lpad(g.c::text, 12, '0'),
    'bench' || lpad(g.c::text, 27, '0'),
    'sub' || lpad(g.c::text, 24, '0'),
    'acc-' || (1 + g.c % 100),
    (ARRAY['Info', 'Info', 'Info', 'Info', 'Info', 'Warning', 'Warning', 'Error', 'Debug', 'Major'])[1 + g.i % 10],
    (ARRAY['SREManualAction', 'SREManualAction', 'ClusterLifecycle', 'ClusterLifecycle', 'UpgradeService',
           'LimitedSupport', 'HealthCheck', 'Autoscaler', 'ClusterService', 'OCMBilling'])[1 + (g.i / 7) % 10],
    'Bench log ' || g.i || ' of cluster ' || g.c,
    'Seeded by make bench. Your cluster did something noteworthy; see the documentation for details. Log #' || g.i,
    g.i % 10 = 3,
    (ARRAY['', '', '', 'cluster-lifecycle', 'cluster-state-updates', 'capacity-management'])[1 + g.i % 6],
    CASE WHEN g.i % 5 = 0 THEN ARRAY['https://docs.openshift.com/rosa/welcome/index.html'] ELSE '{}'::text[] END,
    'E' || lpad(to_hex(g.i), 26, '0'),
    g.ts,
    CASE WHEN g.i % 4 = 0 THEN 'sre-' || (g.i % 50) ELSE '' END,
    g.ts + (g.i % 60) * interval '1 second',
    CASE WHEN g.i % 4 = 0 THEN 'sre-' || (g.i % 50) ELSE 'service-account-bench' END,
    CASE WHEN g.i % 4 = 0 THEN 'sre-' || (g.i % 50) || '@example.com' ELSE '' END,
    '',
    ''
FROM (
    SELECT
        s.i,
        1 + floor(random() * :clusters)::int AS c,
        now() - interval '365 days' * (1 - s.i::float8 / :rows) - random() * interval '10 minutes' AS ts
    FROM generate_series(1, :rows) AS s(i)
) AS g;

-- The owner of every cluster, as the service would have learned it from the logs above (store::owners::learn_all).
INSERT INTO cluster_owners (cluster_uuid, cluster_id, subscription_id, account_id, source, updated_at)
SELECT
    '00000000-0000-4000-8000-' || lpad(c::text, 12, '0'),
    'bench' || lpad(c::text, 27, '0'),
    'sub' || lpad(c::text, 24, '0'),
    'acc-' || (1 + c % 100),
    'learned',
    now() - interval '365 days'
FROM generate_series(1, :clusters) AS c;

-- One large account, acc-big: :big logs over 50 clusters it owns (cluster_uuid '00000000-0000-4000-9000-' || lpad(k,
-- 12, '0'), k = 0..49), half posted with its account_id and half by SRE tooling without one (it sees those through
-- ownership), 10 % internal_only, their times spread over the same year (so its logs are interleaved with the others
-- in the created_at index, though stored after them).
INSERT INTO cluster_logs (
    id, cluster_uuid, cluster_id, subscription_id, account_id, severity, service_name, summary, description,
    internal_only, log_type, doc_references, event_stream_id, "timestamp", username, created_at, created_by, email,
    first_name, last_name)
SELECT
    'big' || lpad(to_hex(g.i), 24, '0'),
    '00000000-0000-4000-9000-' || lpad((g.i % 50)::text, 12, '0'),
    'big' || lpad((g.i % 50)::text, 29, '0'),
    'subbig',
    CASE WHEN g.i % 2 = 0 THEN 'acc-big' ELSE '' END,
    'Info', 'SREManualAction', 'Large account log ' || g.i,
    'Seeded by make bench for the large account.',
    g.i % 10 = 3, '', '{}', 'B' || lpad(to_hex(g.i), 26, '0'), g.ts, '', g.ts, 'service-account-bench', '', '', ''
FROM (SELECT s.i, now() - interval '365 days' * random() AS ts FROM generate_series(1, :big) AS s(i)) AS g;

INSERT INTO cluster_owners (cluster_uuid, cluster_id, subscription_id, account_id, source, updated_at)
SELECT '00000000-0000-4000-9000-' || lpad(k::text, 12, '0'), 'big' || lpad(k::text, 29, '0'), 'subbig', 'acc-big',
       'explicit', now() - interval '365 days'
FROM generate_series(0, 49) AS k;
