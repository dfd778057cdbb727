-- The chunk's cells as published, with the keys every join and window of compare.sql runs on (see there):
-- suppressed cells withheld (value, counts, interval and note replaced), each row's slice, cell, series and
-- series_area numbers. Materialised once per chunk (Computation.published) and read by compare.sql six times
-- over (ranks, peers, parents, the previous period, the base period, the row itself): Spark inlines a CTE at each
-- reference, so as a CTE these joins ran six times per chunk on Spark (DuckDB materialised it once already).
SELECT
    x.ind_id, x.area_id, a.level_index, a.parent_id, a.top_id, x.period_id, p.t, x.bd_id,
    (CAST(x.ind_id - {first_ind} AS BIGINT) * {n_periods} + x.period_id) * {n_breakdowns} + x.bd_id AS slice,
    ((CAST(x.ind_id - {first_ind} AS BIGINT) * {n_periods} + x.period_id) * {n_breakdowns} + x.bd_id) * {n_areas}
        + x.area_id AS cell,
    (CAST(x.ind_id - {first_ind} AS BIGINT) * {n_breakdowns} + x.bd_id) * {n_areas} + x.area_id AS series_area,
    CAST(x.ind_id AS BIGINT) * {n_breakdowns} + x.bd_id AS series,
    CASE WHEN s.area_id IS NULL THEN x.value END AS value,
    CASE WHEN s.area_id IS NULL THEN x.numerator END AS numerator,
    CASE WHEN s.area_id IS NULL THEN x.denominator END AS denominator,
    CASE WHEN s.area_id IS NULL THEN x.lower_ci END AS lower_ci,
    CASE WHEN s.area_id IS NULL THEN x.upper_ci END AS upper_ci,
    CASE WHEN s.area_id IS NULL THEN x.status ELSE 'suppressed' END AS status,
    x.flags, x.coverage, x.coverage_denominator, x.n_reporting, x.n_expected,
    CASE WHEN s.area_id IS NULL THEN x.note ELSE s.reason END AS note
FROM vals x
JOIN areas a ON a.area_id = x.area_id
JOIN periods p ON p.period_id = x.period_id
LEFT JOIN suppressed s
    ON s.ind_id = x.ind_id AND s.area_id = x.area_id AND s.period_id = x.period_id AND s.bd_id = x.bd_id
WHERE x.ind_id BETWEEN {first_ind} AND {last_ind}
