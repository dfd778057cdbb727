-- The cells disclosure control protects (indicators/disclosure.py): every cell of each indicator and period
-- that has a withheld cell (a count below the threshold, a confidential value, a cell in ``kept``: withheld
-- in the published release, or by another indicator on the same count), whether published or not computed
-- for low coverage. ``withheld`` takes the codes of indicators/disclosure.py.
-- One pass over ``vals``: the slices (indicator x period) with a withheld cell are marked by a window, not by
-- joining ``vals`` to itself twice (on Spark each such join was a shuffle of the whole chunk and a job).
WITH cells AS (
    SELECT v.ind_id, v.period_id, v.bd_id, v.area_id, v.value, v.numerator, v.denominator,
           CASE WHEN v.value IS NOT NULL AND (v.primary_suppressed > 0 OR k.ind_id IS NOT NULL)
                THEN CASE WHEN v.primary_suppressed > 0 THEN v.primary_suppressed ELSE k.code END
           END AS forced,
           CASE WHEN v.value IS NOT NULL AND (v.primary_suppressed > 0 OR k.ind_id IS NOT NULL)
                THEN 1 ELSE 0 END AS is_forced
    FROM vals v
    LEFT JOIN kept k
        ON k.ind_id = v.ind_id AND k.area_id = v.area_id AND k.period_id = v.period_id AND k.bd_id = v.bd_id
    WHERE v.value IS NOT NULL OR v.status = 'low_coverage'
),
marked AS (
    SELECT c.*, MAX(c.is_forced) OVER (PARTITION BY c.ind_id, c.period_id) AS in_slice
    FROM cells c
)
SELECT m.ind_id AS indicator, m.period_id AS period, m.bd_id AS breakdown, m.area_id AS area_code,
       a.parent_id AS parent_code, COALESCE(m.numerator, m.value) AS size, m.value, m.numerator, m.denominator,
       COALESCE(m.forced, CASE WHEN m.value IS NULL THEN {hidden} ELSE {none} END) AS withheld
FROM marked m
JOIN {area_table} a ON a.area_id = m.area_id
WHERE m.in_slice = 1
