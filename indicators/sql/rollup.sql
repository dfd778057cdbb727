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
    MAX(CASE WHEN rep = 1 AND flags LIKE '%p%' THEN 1 ELSE 0 END) AS f_p,
    MAX(CASE WHEN rep = 1 AND flags LIKE '%e%' THEN 1 ELSE 0 END) AS f_e,
    MAX(CASE WHEN rep = 1 AND flags LIKE '%b%' THEN 1 ELSE 0 END) AS f_b,
    MAX(CASE WHEN rep = 1 AND flags LIKE '%u%' THEN 1 ELSE 0 END) AS f_u,
    MAX(CASE WHEN rep = 1 AND flags LIKE '%d%' THEN 1 ELSE 0 END) AS f_d
FROM cells
GROUP BY GROUPING SETS ({grouping_sets})
