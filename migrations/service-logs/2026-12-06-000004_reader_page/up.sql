-- One page of what a reader may see of every cluster (service-logs.log.read, no cluster named): the logs of its
-- account, and those of the clusters it owns (by cluster_uuid; by cluster_id for logs with no uuid), none of them
-- internal_only, newest first (created_at DESC, id DESC). The same logs as store::owners::readable_on! selects, and
-- tests/api/reader_page.rs holds the two together; the store calls this for that list's default order without a
-- search (store::logs::ReaderPage).
--
-- Why a function: as one condition on cluster_logs, PostgreSQL walks the created_at index and tests every log, so the
-- cost grew with the table, not with what the reader sees: at 10 million logs an account with no logs read all of
-- them (14 s), an account of 1 % of the table ~10,000 (21 ms). Here every part reads its own index in order and
-- the parts are merged (Merge Append), so a page reads about `size + skip` logs of the reader plus one index
-- descent per owned cluster, whatever the table's size:
--   * `since`: the created_at of the reader's k-th own log. The page's k newest logs are all at least that new
--     (the account's own k are), so the owned clusters' parts stop there;
--   * with a cut-off (the reader has k logs of its own), one LATERAL part per owned cluster, each reading its logs
--     newer than the cut-off, sorted together: the cheapest plan to start (0.7 ms against 1.0 ms for the bench's
--     500,000-log account at 10 million logs), since each cluster has few logs that new; without one (few logs of
--     its own), up to 64 owned clusters one part each (`uuids[i]`, NULL past the last: a part that reads nothing),
--     merged in order, so that no cluster is read deeper than the page; more clusters, the LATERAL parts again,
--     each reading at most k logs;
--   * a log in two parts (its account's and its cluster's) is one row (DISTINCT ON, on the merged order).
-- plan_cache_mode: the plan is kept for the session (plpgsql) and must be the generic one: a custom plan of 66
-- parts costs ~4 ms to plan on every call, which PostgreSQL's own choice kept (make bench, account-page).
CREATE FUNCTION reader_page(reader text, size int8, skip int8) RETURNS SETOF cluster_logs
LANGUAGE plpgsql STABLE SET plan_cache_mode = force_generic_plan AS $fn$
DECLARE
    uuids text[] := ARRAY(SELECT o.cluster_uuid FROM cluster_owners o WHERE o.account_id = reader);
    ids text[] := ARRAY(SELECT o.cluster_id FROM cluster_owners o WHERE o.account_id = reader AND o.cluster_id <> '');
    k int8;
    since timestamptz;
BEGIN
    IF size <= 0 OR skip < 0 THEN
        RETURN;
    END IF;
    -- The logs up to the page's end; a page past 2^63 logs is past every log, not an overflow.
    k := CASE WHEN skip > 9223372036854775807 - size THEN 9223372036854775807 ELSE size + skip END;
    SELECT l.created_at INTO since FROM cluster_logs l WHERE l.account_id = reader AND NOT l.internal_only
        ORDER BY l.created_at DESC, l.id DESC OFFSET k - 1 LIMIT 1;
    since := coalesce(since, '-infinity');
    IF since = '-infinity' AND cardinality(uuids) BETWEEN 1 AND 64 THEN
        RETURN QUERY SELECT DISTINCT ON (s.created_at, s.id) s.* FROM (
        (SELECT l.* FROM cluster_logs l WHERE l.account_id = reader AND NOT l.internal_only
         ORDER BY l.created_at DESC, l.id DESC LIMIT k)
        UNION ALL (SELECT l.* FROM cluster_logs l WHERE l.cluster_uuid = uuids[1] AND l.created_at >= since AND NOT l.internal_only ORDER BY l.created_at DESC, l.id DESC LIMIT k)
        UNION ALL (SELECT l.* FROM cluster_logs l WHERE l.cluster_uuid = uuids[2] AND l.created_at >= since AND NOT l.internal_only ORDER BY l.created_at DESC, l.id DESC LIMIT k)
        UNION ALL (SELECT l.* FROM cluster_logs l WHERE l.cluster_uuid = uuids[3] AND l.created_at >= since AND NOT l.internal_only ORDER BY l.created_at DESC, l.id DESC LIMIT k)
        UNION ALL (SELECT l.* FROM cluster_logs l WHERE l.cluster_uuid = uuids[4] AND l.created_at >= since AND NOT l.internal_only ORDER BY l.created_at DESC, l.id DESC LIMIT k)
        UNION ALL (SELECT l.* FROM cluster_logs l WHERE l.cluster_uuid = uuids[5] AND l.created_at >= since AND NOT l.internal_only ORDER BY l.created_at DESC, l.id DESC LIMIT k)
        UNION ALL (SELECT l.* FROM cluster_logs l WHERE l.cluster_uuid = uuids[6] AND l.created_at >= since AND NOT l.internal_only ORDER BY l.created_at DESC, l.id DESC LIMIT k)
        UNION ALL (SELECT l.* FROM cluster_logs l WHERE l.cluster_uuid = uuids[7] AND l.created_at >= since AND NOT l.internal_only ORDER BY l.created_at DESC, l.id DESC LIMIT k)
        UNION ALL (SELECT l.* FROM cluster_logs l WHERE l.cluster_uuid = uuids[8] AND l.created_at >= since AND NOT l.internal_only ORDER BY l.created_at DESC, l.id DESC LIMIT k)
        UNION ALL (SELECT l.* FROM cluster_logs l WHERE l.cluster_uuid = uuids[9] AND l.created_at >= since AND NOT l.internal_only ORDER BY l.created_at DESC, l.id DESC LIMIT k)
        UNION ALL (SELECT l.* FROM cluster_logs l WHERE l.cluster_uuid = uuids[10] AND l.created_at >= since AND NOT l.internal_only ORDER BY l.created_at DESC, l.id DESC LIMIT k)
        UNION ALL (SELECT l.* FROM cluster_logs l WHERE l.cluster_uuid = uuids[11] AND l.created_at >= since AND NOT l.internal_only ORDER BY l.created_at DESC, l.id DESC LIMIT k)
        UNION ALL (SELECT l.* FROM cluster_logs l WHERE l.cluster_uuid = uuids[12] AND l.created_at >= since AND NOT l.internal_only ORDER BY l.created_at DESC, l.id DESC LIMIT k)
        UNION ALL (SELECT l.* FROM cluster_logs l WHERE l.cluster_uuid = uuids[13] AND l.created_at >= since AND NOT l.internal_only ORDER BY l.created_at DESC, l.id DESC LIMIT k)
        UNION ALL (SELECT l.* FROM cluster_logs l WHERE l.cluster_uuid = uuids[14] AND l.created_at >= since AND NOT l.internal_only ORDER BY l.created_at DESC, l.id DESC LIMIT k)
        UNION ALL (SELECT l.* FROM cluster_logs l WHERE l.cluster_uuid = uuids[15] AND l.created_at >= since AND NOT l.internal_only ORDER BY l.created_at DESC, l.id DESC LIMIT k)
        UNION ALL (SELECT l.* FROM cluster_logs l WHERE l.cluster_uuid = uuids[16] AND l.created_at >= since AND NOT l.internal_only ORDER BY l.created_at DESC, l.id DESC LIMIT k)
        UNION ALL (SELECT l.* FROM cluster_logs l WHERE l.cluster_uuid = uuids[17] AND l.created_at >= since AND NOT l.internal_only ORDER BY l.created_at DESC, l.id DESC LIMIT k)
        UNION ALL (SELECT l.* FROM cluster_logs l WHERE l.cluster_uuid = uuids[18] AND l.created_at >= since AND NOT l.internal_only ORDER BY l.created_at DESC, l.id DESC LIMIT k)
        UNION ALL (SELECT l.* FROM cluster_logs l WHERE l.cluster_uuid = uuids[19] AND l.created_at >= since AND NOT l.internal_only ORDER BY l.created_at DESC, l.id DESC LIMIT k)
        UNION ALL (SELECT l.* FROM cluster_logs l WHERE l.cluster_uuid = uuids[20] AND l.created_at >= since AND NOT l.internal_only ORDER BY l.created_at DESC, l.id DESC LIMIT k)
        UNION ALL (SELECT l.* FROM cluster_logs l WHERE l.cluster_uuid = uuids[21] AND l.created_at >= since AND NOT l.internal_only ORDER BY l.created_at DESC, l.id DESC LIMIT k)
        UNION ALL (SELECT l.* FROM cluster_logs l WHERE l.cluster_uuid = uuids[22] AND l.created_at >= since AND NOT l.internal_only ORDER BY l.created_at DESC, l.id DESC LIMIT k)
        UNION ALL (SELECT l.* FROM cluster_logs l WHERE l.cluster_uuid = uuids[23] AND l.created_at >= since AND NOT l.internal_only ORDER BY l.created_at DESC, l.id DESC LIMIT k)
        UNION ALL (SELECT l.* FROM cluster_logs l WHERE l.cluster_uuid = uuids[24] AND l.created_at >= since AND NOT l.internal_only ORDER BY l.created_at DESC, l.id DESC LIMIT k)
        UNION ALL (SELECT l.* FROM cluster_logs l WHERE l.cluster_uuid = uuids[25] AND l.created_at >= since AND NOT l.internal_only ORDER BY l.created_at DESC, l.id DESC LIMIT k)
        UNION ALL (SELECT l.* FROM cluster_logs l WHERE l.cluster_uuid = uuids[26] AND l.created_at >= since AND NOT l.internal_only ORDER BY l.created_at DESC, l.id DESC LIMIT k)
        UNION ALL (SELECT l.* FROM cluster_logs l WHERE l.cluster_uuid = uuids[27] AND l.created_at >= since AND NOT l.internal_only ORDER BY l.created_at DESC, l.id DESC LIMIT k)
        UNION ALL (SELECT l.* FROM cluster_logs l WHERE l.cluster_uuid = uuids[28] AND l.created_at >= since AND NOT l.internal_only ORDER BY l.created_at DESC, l.id DESC LIMIT k)
        UNION ALL (SELECT l.* FROM cluster_logs l WHERE l.cluster_uuid = uuids[29] AND l.created_at >= since AND NOT l.internal_only ORDER BY l.created_at DESC, l.id DESC LIMIT k)
        UNION ALL (SELECT l.* FROM cluster_logs l WHERE l.cluster_uuid = uuids[30] AND l.created_at >= since AND NOT l.internal_only ORDER BY l.created_at DESC, l.id DESC LIMIT k)
        UNION ALL (SELECT l.* FROM cluster_logs l WHERE l.cluster_uuid = uuids[31] AND l.created_at >= since AND NOT l.internal_only ORDER BY l.created_at DESC, l.id DESC LIMIT k)
        UNION ALL (SELECT l.* FROM cluster_logs l WHERE l.cluster_uuid = uuids[32] AND l.created_at >= since AND NOT l.internal_only ORDER BY l.created_at DESC, l.id DESC LIMIT k)
        UNION ALL (SELECT l.* FROM cluster_logs l WHERE l.cluster_uuid = uuids[33] AND l.created_at >= since AND NOT l.internal_only ORDER BY l.created_at DESC, l.id DESC LIMIT k)
        UNION ALL (SELECT l.* FROM cluster_logs l WHERE l.cluster_uuid = uuids[34] AND l.created_at >= since AND NOT l.internal_only ORDER BY l.created_at DESC, l.id DESC LIMIT k)
        UNION ALL (SELECT l.* FROM cluster_logs l WHERE l.cluster_uuid = uuids[35] AND l.created_at >= since AND NOT l.internal_only ORDER BY l.created_at DESC, l.id DESC LIMIT k)
        UNION ALL (SELECT l.* FROM cluster_logs l WHERE l.cluster_uuid = uuids[36] AND l.created_at >= since AND NOT l.internal_only ORDER BY l.created_at DESC, l.id DESC LIMIT k)
        UNION ALL (SELECT l.* FROM cluster_logs l WHERE l.cluster_uuid = uuids[37] AND l.created_at >= since AND NOT l.internal_only ORDER BY l.created_at DESC, l.id DESC LIMIT k)
        UNION ALL (SELECT l.* FROM cluster_logs l WHERE l.cluster_uuid = uuids[38] AND l.created_at >= since AND NOT l.internal_only ORDER BY l.created_at DESC, l.id DESC LIMIT k)
        UNION ALL (SELECT l.* FROM cluster_logs l WHERE l.cluster_uuid = uuids[39] AND l.created_at >= since AND NOT l.internal_only ORDER BY l.created_at DESC, l.id DESC LIMIT k)
        UNION ALL (SELECT l.* FROM cluster_logs l WHERE l.cluster_uuid = uuids[40] AND l.created_at >= since AND NOT l.internal_only ORDER BY l.created_at DESC, l.id DESC LIMIT k)
        UNION ALL (SELECT l.* FROM cluster_logs l WHERE l.cluster_uuid = uuids[41] AND l.created_at >= since AND NOT l.internal_only ORDER BY l.created_at DESC, l.id DESC LIMIT k)
        UNION ALL (SELECT l.* FROM cluster_logs l WHERE l.cluster_uuid = uuids[42] AND l.created_at >= since AND NOT l.internal_only ORDER BY l.created_at DESC, l.id DESC LIMIT k)
        UNION ALL (SELECT l.* FROM cluster_logs l WHERE l.cluster_uuid = uuids[43] AND l.created_at >= since AND NOT l.internal_only ORDER BY l.created_at DESC, l.id DESC LIMIT k)
        UNION ALL (SELECT l.* FROM cluster_logs l WHERE l.cluster_uuid = uuids[44] AND l.created_at >= since AND NOT l.internal_only ORDER BY l.created_at DESC, l.id DESC LIMIT k)
        UNION ALL (SELECT l.* FROM cluster_logs l WHERE l.cluster_uuid = uuids[45] AND l.created_at >= since AND NOT l.internal_only ORDER BY l.created_at DESC, l.id DESC LIMIT k)
        UNION ALL (SELECT l.* FROM cluster_logs l WHERE l.cluster_uuid = uuids[46] AND l.created_at >= since AND NOT l.internal_only ORDER BY l.created_at DESC, l.id DESC LIMIT k)
        UNION ALL (SELECT l.* FROM cluster_logs l WHERE l.cluster_uuid = uuids[47] AND l.created_at >= since AND NOT l.internal_only ORDER BY l.created_at DESC, l.id DESC LIMIT k)
        UNION ALL (SELECT l.* FROM cluster_logs l WHERE l.cluster_uuid = uuids[48] AND l.created_at >= since AND NOT l.internal_only ORDER BY l.created_at DESC, l.id DESC LIMIT k)
        UNION ALL (SELECT l.* FROM cluster_logs l WHERE l.cluster_uuid = uuids[49] AND l.created_at >= since AND NOT l.internal_only ORDER BY l.created_at DESC, l.id DESC LIMIT k)
        UNION ALL (SELECT l.* FROM cluster_logs l WHERE l.cluster_uuid = uuids[50] AND l.created_at >= since AND NOT l.internal_only ORDER BY l.created_at DESC, l.id DESC LIMIT k)
        UNION ALL (SELECT l.* FROM cluster_logs l WHERE l.cluster_uuid = uuids[51] AND l.created_at >= since AND NOT l.internal_only ORDER BY l.created_at DESC, l.id DESC LIMIT k)
        UNION ALL (SELECT l.* FROM cluster_logs l WHERE l.cluster_uuid = uuids[52] AND l.created_at >= since AND NOT l.internal_only ORDER BY l.created_at DESC, l.id DESC LIMIT k)
        UNION ALL (SELECT l.* FROM cluster_logs l WHERE l.cluster_uuid = uuids[53] AND l.created_at >= since AND NOT l.internal_only ORDER BY l.created_at DESC, l.id DESC LIMIT k)
        UNION ALL (SELECT l.* FROM cluster_logs l WHERE l.cluster_uuid = uuids[54] AND l.created_at >= since AND NOT l.internal_only ORDER BY l.created_at DESC, l.id DESC LIMIT k)
        UNION ALL (SELECT l.* FROM cluster_logs l WHERE l.cluster_uuid = uuids[55] AND l.created_at >= since AND NOT l.internal_only ORDER BY l.created_at DESC, l.id DESC LIMIT k)
        UNION ALL (SELECT l.* FROM cluster_logs l WHERE l.cluster_uuid = uuids[56] AND l.created_at >= since AND NOT l.internal_only ORDER BY l.created_at DESC, l.id DESC LIMIT k)
        UNION ALL (SELECT l.* FROM cluster_logs l WHERE l.cluster_uuid = uuids[57] AND l.created_at >= since AND NOT l.internal_only ORDER BY l.created_at DESC, l.id DESC LIMIT k)
        UNION ALL (SELECT l.* FROM cluster_logs l WHERE l.cluster_uuid = uuids[58] AND l.created_at >= since AND NOT l.internal_only ORDER BY l.created_at DESC, l.id DESC LIMIT k)
        UNION ALL (SELECT l.* FROM cluster_logs l WHERE l.cluster_uuid = uuids[59] AND l.created_at >= since AND NOT l.internal_only ORDER BY l.created_at DESC, l.id DESC LIMIT k)
        UNION ALL (SELECT l.* FROM cluster_logs l WHERE l.cluster_uuid = uuids[60] AND l.created_at >= since AND NOT l.internal_only ORDER BY l.created_at DESC, l.id DESC LIMIT k)
        UNION ALL (SELECT l.* FROM cluster_logs l WHERE l.cluster_uuid = uuids[61] AND l.created_at >= since AND NOT l.internal_only ORDER BY l.created_at DESC, l.id DESC LIMIT k)
        UNION ALL (SELECT l.* FROM cluster_logs l WHERE l.cluster_uuid = uuids[62] AND l.created_at >= since AND NOT l.internal_only ORDER BY l.created_at DESC, l.id DESC LIMIT k)
        UNION ALL (SELECT l.* FROM cluster_logs l WHERE l.cluster_uuid = uuids[63] AND l.created_at >= since AND NOT l.internal_only ORDER BY l.created_at DESC, l.id DESC LIMIT k)
        UNION ALL (SELECT l.* FROM cluster_logs l WHERE l.cluster_uuid = uuids[64] AND l.created_at >= since AND NOT l.internal_only ORDER BY l.created_at DESC, l.id DESC LIMIT k)
        UNION ALL (SELECT l.* FROM cluster_logs l
         WHERE l.cluster_uuid = '' AND l.cluster_id = ANY(ids) AND l.created_at >= since AND NOT l.internal_only
         ORDER BY l.created_at DESC, l.id DESC LIMIT k)
    ) AS s ORDER BY s.created_at DESC, s.id DESC LIMIT size OFFSET skip;
    ELSE
        RETURN QUERY SELECT DISTINCT ON (s.created_at, s.id) s.* FROM (
        (SELECT l.* FROM cluster_logs l WHERE l.account_id = reader AND NOT l.internal_only
         ORDER BY l.created_at DESC, l.id DESC LIMIT k)
        UNION ALL (SELECT x.* FROM unnest(uuids) AS u(uuid) CROSS JOIN LATERAL
           (SELECT l.* FROM cluster_logs l WHERE l.cluster_uuid = u.uuid AND l.created_at >= since AND NOT l.internal_only
            ORDER BY l.created_at DESC, l.id DESC LIMIT k) AS x)
        UNION ALL (SELECT l.* FROM cluster_logs l
         WHERE l.cluster_uuid = '' AND l.cluster_id = ANY(ids) AND l.created_at >= since AND NOT l.internal_only
         ORDER BY l.created_at DESC, l.id DESC LIMIT k)
    ) AS s ORDER BY s.created_at DESC, s.id DESC LIMIT size OFFSET skip;
    END IF;
END
$fn$;
