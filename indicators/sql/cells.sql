-- One row per (indicator, period, breakdown, local area) for every computed indicator, whether the area
-- reported or not, so that coverage can be counted. Only local-level observations are used: parents are
-- always recomputed from their children, never taken from the publisher.
WITH grid AS (
    SELECT DISTINCT i.ind_id, o.period_id, o.bd_id
    FROM ind i
    JOIN obs_k o ON o.measure_id = i.num_id
    JOIN leaves l ON l.area_id = o.area_id
    WHERE i.method IN ({local_methods}) AND i.ind_id BETWEEN {first_ind} AND {last_ind}
)
SELECT
    g.ind_id, g.period_id, g.bd_id,
    {ancestors},
    n.value AS num,
    d.value AS den,
    CASE WHEN n.value IS NOT NULL AND (i.den_id IS NULL OR d.value IS NOT NULL) THEN 1 ELSE 0 END AS rep,
    COALESCE(n.fbits, 0) | COALESCE(d.fbits, 0) AS fbits
FROM grid g
JOIN ind i ON i.ind_id = g.ind_id
CROSS JOIN leaves l
LEFT JOIN obs_k n
    ON n.measure_id = i.num_id AND n.area_id = l.area_id AND n.period_id = g.period_id AND n.bd_id = g.bd_id
LEFT JOIN obs_k d
    ON d.measure_id = i.den_id AND d.area_id = l.area_id AND d.period_id = g.period_id AND d.bd_id = g.bd_id
