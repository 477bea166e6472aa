-- The function as 2026-12-06-000004_reader_page made it.
CREATE OR REPLACE FUNCTION reader_page(reader text, size int8, skip int8) RETURNS SETOF cluster_logs
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
