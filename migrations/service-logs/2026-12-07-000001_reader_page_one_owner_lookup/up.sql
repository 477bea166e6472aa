-- reader_page as in 2026-12-06-000004_reader_page (which explains the function), tidied: the reader's owned
-- clusters are read in one statement (two before, one per column), after the early return for an empty page rather
-- than before it; and the merged branch, which runs only without a cut-off (`since` is -infinity there), no longer
-- tests `created_at >= since`, which was true of every log.
CREATE OR REPLACE FUNCTION reader_page(reader text, size int8, skip int8) RETURNS SETOF cluster_logs
LANGUAGE plpgsql STABLE SET plan_cache_mode = force_generic_plan AS $fn$
DECLARE
    uuids text[];
    ids text[];
    k int8;
    since timestamptz;
BEGIN
    IF size <= 0 OR skip < 0 THEN
        RETURN;
    END IF;
    SELECT coalesce(array_agg(o.cluster_uuid), '{}'),
           coalesce(array_agg(o.cluster_id) FILTER (WHERE o.cluster_id <> ''), '{}')
        INTO uuids, ids FROM cluster_owners o WHERE o.account_id = reader;
    -- The logs up to the page's end; a page past 2^63 logs is past every log, not an overflow.
    k := CASE WHEN skip > 9223372036854775807 - size THEN 9223372036854775807 ELSE size + skip END;
    SELECT l.created_at INTO since FROM cluster_logs l WHERE l.account_id = reader AND NOT l.internal_only
        ORDER BY l.created_at DESC, l.id DESC OFFSET k - 1 LIMIT 1;
    since := coalesce(since, '-infinity');
    IF since = '-infinity' AND cardinality(uuids) BETWEEN 1 AND 64 THEN
        RETURN QUERY SELECT DISTINCT ON (s.created_at, s.id) s.* FROM (
        (SELECT l.* FROM cluster_logs l WHERE l.account_id = reader AND NOT l.internal_only
         ORDER BY l.created_at DESC, l.id DESC LIMIT k)
        UNION ALL (SELECT l.* FROM cluster_logs l WHERE l.cluster_uuid = uuids[1] AND NOT l.internal_only ORDER BY l.created_at DESC, l.id DESC LIMIT k)
        UNION ALL (SELECT l.* FROM cluster_logs l WHERE l.cluster_uuid = uuids[2] AND NOT l.internal_only ORDER BY l.created_at DESC, l.id DESC LIMIT k)
        UNION ALL (SELECT l.* FROM cluster_logs l WHERE l.cluster_uuid = uuids[3] AND NOT l.internal_only ORDER BY l.created_at DESC, l.id DESC LIMIT k)
        UNION ALL (SELECT l.* FROM cluster_logs l WHERE l.cluster_uuid = uuids[4] AND NOT l.internal_only ORDER BY l.created_at DESC, l.id DESC LIMIT k)
        UNION ALL (SELECT l.* FROM cluster_logs l WHERE l.cluster_uuid = uuids[5] AND NOT l.internal_only ORDER BY l.created_at DESC, l.id DESC LIMIT k)
        UNION ALL (SELECT l.* FROM cluster_logs l WHERE l.cluster_uuid = uuids[6] AND NOT l.internal_only ORDER BY l.created_at DESC, l.id DESC LIMIT k)
        UNION ALL (SELECT l.* FROM cluster_logs l WHERE l.cluster_uuid = uuids[7] AND NOT l.internal_only ORDER BY l.created_at DESC, l.id DESC LIMIT k)
        UNION ALL (SELECT l.* FROM cluster_logs l WHERE l.cluster_uuid = uuids[8] AND NOT l.internal_only ORDER BY l.created_at DESC, l.id DESC LIMIT k)
        UNION ALL (SELECT l.* FROM cluster_logs l WHERE l.cluster_uuid = uuids[9] AND NOT l.internal_only ORDER BY l.created_at DESC, l.id DESC LIMIT k)
        UNION ALL (SELECT l.* FROM cluster_logs l WHERE l.cluster_uuid = uuids[10] AND NOT l.internal_only ORDER BY l.created_at DESC, l.id DESC LIMIT k)
        UNION ALL (SELECT l.* FROM cluster_logs l WHERE l.cluster_uuid = uuids[11] AND NOT l.internal_only ORDER BY l.created_at DESC, l.id DESC LIMIT k)
        UNION ALL (SELECT l.* FROM cluster_logs l WHERE l.cluster_uuid = uuids[12] AND NOT l.internal_only ORDER BY l.created_at DESC, l.id DESC LIMIT k)
        UNION ALL (SELECT l.* FROM cluster_logs l WHERE l.cluster_uuid = uuids[13] AND NOT l.internal_only ORDER BY l.created_at DESC, l.id DESC LIMIT k)
        UNION ALL (SELECT l.* FROM cluster_logs l WHERE l.cluster_uuid = uuids[14] AND NOT l.internal_only ORDER BY l.created_at DESC, l.id DESC LIMIT k)
        UNION ALL (SELECT l.* FROM cluster_logs l WHERE l.cluster_uuid = uuids[15] AND NOT l.internal_only ORDER BY l.created_at DESC, l.id DESC LIMIT k)
        UNION ALL (SELECT l.* FROM cluster_logs l WHERE l.cluster_uuid = uuids[16] AND NOT l.internal_only ORDER BY l.created_at DESC, l.id DESC LIMIT k)
        UNION ALL (SELECT l.* FROM cluster_logs l WHERE l.cluster_uuid = uuids[17] AND NOT l.internal_only ORDER BY l.created_at DESC, l.id DESC LIMIT k)
        UNION ALL (SELECT l.* FROM cluster_logs l WHERE l.cluster_uuid = uuids[18] AND NOT l.internal_only ORDER BY l.created_at DESC, l.id DESC LIMIT k)
        UNION ALL (SELECT l.* FROM cluster_logs l WHERE l.cluster_uuid = uuids[19] AND NOT l.internal_only ORDER BY l.created_at DESC, l.id DESC LIMIT k)
        UNION ALL (SELECT l.* FROM cluster_logs l WHERE l.cluster_uuid = uuids[20] AND NOT l.internal_only ORDER BY l.created_at DESC, l.id DESC LIMIT k)
        UNION ALL (SELECT l.* FROM cluster_logs l WHERE l.cluster_uuid = uuids[21] AND NOT l.internal_only ORDER BY l.created_at DESC, l.id DESC LIMIT k)
        UNION ALL (SELECT l.* FROM cluster_logs l WHERE l.cluster_uuid = uuids[22] AND NOT l.internal_only ORDER BY l.created_at DESC, l.id DESC LIMIT k)
        UNION ALL (SELECT l.* FROM cluster_logs l WHERE l.cluster_uuid = uuids[23] AND NOT l.internal_only ORDER BY l.created_at DESC, l.id DESC LIMIT k)
        UNION ALL (SELECT l.* FROM cluster_logs l WHERE l.cluster_uuid = uuids[24] AND NOT l.internal_only ORDER BY l.created_at DESC, l.id DESC LIMIT k)
        UNION ALL (SELECT l.* FROM cluster_logs l WHERE l.cluster_uuid = uuids[25] AND NOT l.internal_only ORDER BY l.created_at DESC, l.id DESC LIMIT k)
        UNION ALL (SELECT l.* FROM cluster_logs l WHERE l.cluster_uuid = uuids[26] AND NOT l.internal_only ORDER BY l.created_at DESC, l.id DESC LIMIT k)
        UNION ALL (SELECT l.* FROM cluster_logs l WHERE l.cluster_uuid = uuids[27] AND NOT l.internal_only ORDER BY l.created_at DESC, l.id DESC LIMIT k)
        UNION ALL (SELECT l.* FROM cluster_logs l WHERE l.cluster_uuid = uuids[28] AND NOT l.internal_only ORDER BY l.created_at DESC, l.id DESC LIMIT k)
        UNION ALL (SELECT l.* FROM cluster_logs l WHERE l.cluster_uuid = uuids[29] AND NOT l.internal_only ORDER BY l.created_at DESC, l.id DESC LIMIT k)
        UNION ALL (SELECT l.* FROM cluster_logs l WHERE l.cluster_uuid = uuids[30] AND NOT l.internal_only ORDER BY l.created_at DESC, l.id DESC LIMIT k)
        UNION ALL (SELECT l.* FROM cluster_logs l WHERE l.cluster_uuid = uuids[31] AND NOT l.internal_only ORDER BY l.created_at DESC, l.id DESC LIMIT k)
        UNION ALL (SELECT l.* FROM cluster_logs l WHERE l.cluster_uuid = uuids[32] AND NOT l.internal_only ORDER BY l.created_at DESC, l.id DESC LIMIT k)
        UNION ALL (SELECT l.* FROM cluster_logs l WHERE l.cluster_uuid = uuids[33] AND NOT l.internal_only ORDER BY l.created_at DESC, l.id DESC LIMIT k)
        UNION ALL (SELECT l.* FROM cluster_logs l WHERE l.cluster_uuid = uuids[34] AND NOT l.internal_only ORDER BY l.created_at DESC, l.id DESC LIMIT k)
        UNION ALL (SELECT l.* FROM cluster_logs l WHERE l.cluster_uuid = uuids[35] AND NOT l.internal_only ORDER BY l.created_at DESC, l.id DESC LIMIT k)
        UNION ALL (SELECT l.* FROM cluster_logs l WHERE l.cluster_uuid = uuids[36] AND NOT l.internal_only ORDER BY l.created_at DESC, l.id DESC LIMIT k)
        UNION ALL (SELECT l.* FROM cluster_logs l WHERE l.cluster_uuid = uuids[37] AND NOT l.internal_only ORDER BY l.created_at DESC, l.id DESC LIMIT k)
        UNION ALL (SELECT l.* FROM cluster_logs l WHERE l.cluster_uuid = uuids[38] AND NOT l.internal_only ORDER BY l.created_at DESC, l.id DESC LIMIT k)
        UNION ALL (SELECT l.* FROM cluster_logs l WHERE l.cluster_uuid = uuids[39] AND NOT l.internal_only ORDER BY l.created_at DESC, l.id DESC LIMIT k)
        UNION ALL (SELECT l.* FROM cluster_logs l WHERE l.cluster_uuid = uuids[40] AND NOT l.internal_only ORDER BY l.created_at DESC, l.id DESC LIMIT k)
        UNION ALL (SELECT l.* FROM cluster_logs l WHERE l.cluster_uuid = uuids[41] AND NOT l.internal_only ORDER BY l.created_at DESC, l.id DESC LIMIT k)
        UNION ALL (SELECT l.* FROM cluster_logs l WHERE l.cluster_uuid = uuids[42] AND NOT l.internal_only ORDER BY l.created_at DESC, l.id DESC LIMIT k)
        UNION ALL (SELECT l.* FROM cluster_logs l WHERE l.cluster_uuid = uuids[43] AND NOT l.internal_only ORDER BY l.created_at DESC, l.id DESC LIMIT k)
        UNION ALL (SELECT l.* FROM cluster_logs l WHERE l.cluster_uuid = uuids[44] AND NOT l.internal_only ORDER BY l.created_at DESC, l.id DESC LIMIT k)
        UNION ALL (SELECT l.* FROM cluster_logs l WHERE l.cluster_uuid = uuids[45] AND NOT l.internal_only ORDER BY l.created_at DESC, l.id DESC LIMIT k)
        UNION ALL (SELECT l.* FROM cluster_logs l WHERE l.cluster_uuid = uuids[46] AND NOT l.internal_only ORDER BY l.created_at DESC, l.id DESC LIMIT k)
        UNION ALL (SELECT l.* FROM cluster_logs l WHERE l.cluster_uuid = uuids[47] AND NOT l.internal_only ORDER BY l.created_at DESC, l.id DESC LIMIT k)
        UNION ALL (SELECT l.* FROM cluster_logs l WHERE l.cluster_uuid = uuids[48] AND NOT l.internal_only ORDER BY l.created_at DESC, l.id DESC LIMIT k)
        UNION ALL (SELECT l.* FROM cluster_logs l WHERE l.cluster_uuid = uuids[49] AND NOT l.internal_only ORDER BY l.created_at DESC, l.id DESC LIMIT k)
        UNION ALL (SELECT l.* FROM cluster_logs l WHERE l.cluster_uuid = uuids[50] AND NOT l.internal_only ORDER BY l.created_at DESC, l.id DESC LIMIT k)
        UNION ALL (SELECT l.* FROM cluster_logs l WHERE l.cluster_uuid = uuids[51] AND NOT l.internal_only ORDER BY l.created_at DESC, l.id DESC LIMIT k)
        UNION ALL (SELECT l.* FROM cluster_logs l WHERE l.cluster_uuid = uuids[52] AND NOT l.internal_only ORDER BY l.created_at DESC, l.id DESC LIMIT k)
        UNION ALL (SELECT l.* FROM cluster_logs l WHERE l.cluster_uuid = uuids[53] AND NOT l.internal_only ORDER BY l.created_at DESC, l.id DESC LIMIT k)
        UNION ALL (SELECT l.* FROM cluster_logs l WHERE l.cluster_uuid = uuids[54] AND NOT l.internal_only ORDER BY l.created_at DESC, l.id DESC LIMIT k)
        UNION ALL (SELECT l.* FROM cluster_logs l WHERE l.cluster_uuid = uuids[55] AND NOT l.internal_only ORDER BY l.created_at DESC, l.id DESC LIMIT k)
        UNION ALL (SELECT l.* FROM cluster_logs l WHERE l.cluster_uuid = uuids[56] AND NOT l.internal_only ORDER BY l.created_at DESC, l.id DESC LIMIT k)
        UNION ALL (SELECT l.* FROM cluster_logs l WHERE l.cluster_uuid = uuids[57] AND NOT l.internal_only ORDER BY l.created_at DESC, l.id DESC LIMIT k)
        UNION ALL (SELECT l.* FROM cluster_logs l WHERE l.cluster_uuid = uuids[58] AND NOT l.internal_only ORDER BY l.created_at DESC, l.id DESC LIMIT k)
        UNION ALL (SELECT l.* FROM cluster_logs l WHERE l.cluster_uuid = uuids[59] AND NOT l.internal_only ORDER BY l.created_at DESC, l.id DESC LIMIT k)
        UNION ALL (SELECT l.* FROM cluster_logs l WHERE l.cluster_uuid = uuids[60] AND NOT l.internal_only ORDER BY l.created_at DESC, l.id DESC LIMIT k)
        UNION ALL (SELECT l.* FROM cluster_logs l WHERE l.cluster_uuid = uuids[61] AND NOT l.internal_only ORDER BY l.created_at DESC, l.id DESC LIMIT k)
        UNION ALL (SELECT l.* FROM cluster_logs l WHERE l.cluster_uuid = uuids[62] AND NOT l.internal_only ORDER BY l.created_at DESC, l.id DESC LIMIT k)
        UNION ALL (SELECT l.* FROM cluster_logs l WHERE l.cluster_uuid = uuids[63] AND NOT l.internal_only ORDER BY l.created_at DESC, l.id DESC LIMIT k)
        UNION ALL (SELECT l.* FROM cluster_logs l WHERE l.cluster_uuid = uuids[64] AND NOT l.internal_only ORDER BY l.created_at DESC, l.id DESC LIMIT k)
        UNION ALL (SELECT l.* FROM cluster_logs l
         WHERE l.cluster_uuid = '' AND l.cluster_id = ANY(ids) AND NOT l.internal_only
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
