-- The cells disclosure control protects (indicators/disclosure.py): every cell of each indicator and period
-- that has a withheld cell (a count below the threshold, a confidential value, a cell in ``kept``: withheld
-- in the published release, or by another indicator on the same count), whether published or not computed
-- for low coverage. ``withheld`` takes
-- the codes of indicators/disclosure.py.
WITH forced AS (
    SELECT v.ind_id, v.area_id, v.period_id, v.bd_id,
           CASE WHEN v.primary_suppressed > 0 THEN v.primary_suppressed ELSE k.code END AS withheld
    FROM vals v
    LEFT JOIN kept k
        ON k.ind_id = v.ind_id AND k.area_id = v.area_id AND k.period_id = v.period_id AND k.bd_id = v.bd_id
    WHERE v.value IS NOT NULL AND (v.primary_suppressed > 0 OR k.ind_id IS NOT NULL)
),
slices AS (SELECT DISTINCT ind_id, period_id FROM forced)
SELECT v.ind_id AS indicator, v.period_id AS period, v.bd_id AS breakdown, v.area_id AS area_code,
       a.parent_id AS parent_code, COALESCE(v.numerator, v.value) AS size, v.value, v.numerator, v.denominator,
       COALESCE(f.withheld, CASE WHEN v.value IS NULL THEN {hidden} ELSE {none} END) AS withheld
FROM vals v
JOIN slices s ON s.ind_id = v.ind_id AND s.period_id = v.period_id
JOIN {area_table} a ON a.area_id = v.area_id
LEFT JOIN forced f
    ON f.ind_id = v.ind_id AND f.area_id = v.area_id AND f.period_id = v.period_id AND f.bd_id = v.bd_id
WHERE v.value IS NOT NULL OR v.status = 'low_coverage'
