-- Observations with integer keys: every later join and window works on small integers, not strings.
-- Rows whose measure, area or period is not in the dimension tables are dropped here; the pipeline has
-- already turned those into findings. Sorted by measure, so that reading one indicator's measures skips the
-- rest of the table (zone maps).
SELECT m.measure_id, a.area_id, p.period_id, b.bd_id, o.value, o.flags
FROM obs o
JOIN measures m ON m.measure = o.measure
JOIN areas a ON a.area_code = o.area_code
JOIN periods p ON p.period = o.period
JOIN breakdowns b ON b.breakdown = o.breakdown
ORDER BY m.measure_id, a.area_id
