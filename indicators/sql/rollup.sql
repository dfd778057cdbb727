-- Every level in one pass over the cells. A parent is the sum of the children that report both numerator
-- and denominator (a rate is recomputed as a ratio of sums, never a mean of rates).
SELECT
    ind_id, period_id, bd_id,
    {area_case} AS area_id,
    SUM(CASE WHEN rep = 1 THEN num END) AS numerator,
    SUM(CASE WHEN rep = 1 THEN den END) AS denominator,
    SUM(den) AS denominator_known,
    COUNT(*) AS n_expected,
    CAST(SUM(rep) AS BIGINT) AS n_reporting,
    MAX(CASE WHEN rep = 1 AND (fbits & 1) <> 0 THEN 1 ELSE 0 END) AS f_p,
    MAX(CASE WHEN rep = 1 AND (fbits & 2) <> 0 THEN 1 ELSE 0 END) AS f_e,
    MAX(CASE WHEN rep = 1 AND (fbits & 4) <> 0 THEN 1 ELSE 0 END) AS f_b,
    MAX(CASE WHEN rep = 1 AND (fbits & 8) <> 0 THEN 1 ELSE 0 END) AS f_u,
    MAX(CASE WHEN rep = 1 AND (fbits & 16) <> 0 THEN 1 ELSE 0 END) AS f_d
FROM cells
GROUP BY GROUPING SETS ({grouping_sets})
