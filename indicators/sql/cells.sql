-- One row per (indicator, period, breakdown, local area) for every computed indicator, whether the area
-- reported or not, so that coverage can be counted. Only local-level observations are used: parents are
-- always recomputed from their children, never taken from the publisher.
WITH grid AS (
    SELECT DISTINCT i.indicator, o.period, o.breakdown
    FROM ind i
    JOIN obs o ON o.measure = i.numerator
    JOIN leaves l ON l.area_code = o.area_code
    WHERE i.method <> 'published'
)
SELECT
    g.indicator, g.period, g.breakdown,
    {ancestors},
    n.value AS num,
    d.value AS den,
    CASE WHEN n.value IS NOT NULL AND (i.denominator IS NULL OR d.value IS NOT NULL) THEN 1 ELSE 0 END AS rep,
    CONCAT(COALESCE(n.flags, ''), COALESCE(d.flags, '')) AS flags
FROM grid g
JOIN ind i ON i.indicator = g.indicator
CROSS JOIN leaves l
LEFT JOIN obs n
    ON n.measure = i.numerator AND n.area_code = l.area_code AND n.period = g.period AND n.breakdown = g.breakdown
LEFT JOIN obs d
    ON d.measure = i.denominator AND d.area_code = l.area_code AND d.period = g.period AND d.breakdown = g.breakdown
