-- Observations with integer keys: every later join and window works on small integers, not strings.
-- Rows whose measure, area or period is not in the dimension tables are dropped here; the pipeline has
-- already turned those into findings. Sorted by measure (unless the rows arrive grouped by measure), so
-- that reading one indicator's measures skips the rest of the table (zone maps).
SELECT m.measure_id, a.area_id, p.period_id, b.bd_id, o.value, o.flags,
       -- the flags as bits (p 1, e 2, b 4, u 8, d 16, c 32): integer work per cell, not text. The roll-up
       -- carries p..d up; c (confidential) stays on the cell, which is withheld (values.sql)
       CASE WHEN o.flags LIKE '%p%' THEN 1 ELSE 0 END + CASE WHEN o.flags LIKE '%e%' THEN 2 ELSE 0 END
       + CASE WHEN o.flags LIKE '%b%' THEN 4 ELSE 0 END + CASE WHEN o.flags LIKE '%u%' THEN 8 ELSE 0 END
       + CASE WHEN o.flags LIKE '%d%' THEN 16 ELSE 0 END + CASE WHEN o.flags LIKE '%c%' THEN 32 ELSE 0 END AS fbits
FROM obs o
JOIN measures m ON m.measure = o.measure
JOIN {area_table} a ON a.area_code = o.area_code
JOIN periods p ON p.period = o.period
JOIN breakdowns b ON b.breakdown = o.breakdown
{order_by}
