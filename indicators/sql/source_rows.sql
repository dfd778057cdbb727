-- A source the engine reads itself (read_by: engine; etl/sources/engine_read.py). Each row of the file is an
-- observation of every measure whose selection its dimensions match ({name}_sel), with its area code, period
-- and status from the lookups the ETL process made of the distinct values of those columns, and one column per
-- validation rule, true where the rule takes the row (the ETL process asks for the findings grouped and keeps
-- the rows no dropping rule takes). A value cell that is a plain number is read here; any other text from the
-- lookup of those texts ({name}_value, vl). Rows whose value is not a number are left out here; they are
-- counted from the file. The file's columns are c0, c1... (Engine.read_file): no name from the file is in the SQL.
SELECT g.measure, a.area_code, p.period, g.breakdown, {value} AS value,
       CASE WHEN {flag} <> '' THEN {flag} ELSE {marker_flag} END AS flags,
       a.area_code = '' AS missing_area,
       p.period_text = '' AS missing_period,
       p.period_text <> '' AND NOT p.period_ok AS bad_period,
       a.area_code <> '' AND NOT a.known AND a.pseudo AS pseudo_area,
       a.area_code <> '' AND NOT a.known AND NOT a.pseudo AS unknown_area,
       g.frequency <> '' AND p.period <> '' AND p.frequency <> g.frequency AS wrong_frequency,
       COALESCE(g.counted AND {value} < 0, FALSE) AS negative_count
FROM {name}_file s
{value_join}
{sel_join}
JOIN {name}_area a ON s.{area} IS NOT DISTINCT FROM a.raw
{period_join}
{flag_join}
WHERE NOT ({bad})
