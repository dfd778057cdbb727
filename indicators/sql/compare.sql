-- The published table. Suppressed cells are withheld first, so that no rank, peer mean or benchmark
-- can reveal them; then every comparison is made on what is published. Joins and windows run on integer
-- keys and narrow projections; the area codes are joined back at the end. Each join and window has one
-- BIGINT key, numbered within the chunk: slice = indicator x period x breakdown, cell = slice x area (one
-- row's position in the chunk's full grid), series_area = indicator x breakdown x area. A parent's or
-- neighbour's cell is the row's cell with its area id swapped. One key instead of two or three took the
-- query from 2.9 to 2.0 CPU-s on a 0.9 M-row chunk of the national-scale bench (hashing and comparing one
-- column, and window partitions sorted on one). Indicator, level, period, breakdown, significance,
-- progress, RAG and visibility leave as integer codes (ids, or the position of the word in
-- indicators/sqltext.py): indicators/coded.py turns them into dictionary-encoded text.
WITH v AS (
    SELECT * FROM published_cells
),
narrow AS (
    SELECT v.slice, v.cell, v.area_id, v.period_id, v.level_index, v.parent_id, v.value,
           v.value * i.rank_sign AS score,
           CASE WHEN v.value IS NULL THEN 1 ELSE 0 END AS no_value
    FROM v JOIN ind i ON i.ind_id = v.ind_id
),
ranked AS (
    SELECT
        cell,
        -- BIGINT: DuckDB's RANK is, Spark's an INT (the release's schema is the same from both engines)
        CAST(RANK() OVER (PARTITION BY level_key ORDER BY score DESC) AS BIGINT) AS rank_level,
        COUNT(*) OVER (PARTITION BY level_key ORDER BY score DESC
                       ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS n_ranked_level,
        CAST(RANK() OVER (PARTITION BY parent_key ORDER BY score DESC) AS BIGINT) AS rank_parent,
        COUNT(*) OVER (PARTITION BY parent_key ORDER BY score DESC
                       ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS n_ranked_parent
    FROM (SELECT cell, score, (slice * {n_levels} + level_index) * 2 + no_value AS level_key,
                 -- with the level: in a ragged hierarchy one parent can have children at two levels
                 ((slice * ({n_areas} + 1) + COALESCE(parent_id, {n_areas})) * {n_levels} + level_index) * 2
                     + no_value AS parent_key
          FROM narrow) k
),
series_periods AS (
    -- Each series' periods and the one before each. Every area of a series has a row for every period of
    -- the series (cells.sql and values.sql make a full grid), so an area's previous row is at the series'
    -- previous period and is joined from there: a LAG over each area's rows would sort the chunk once more.
    SELECT series, period_id,
           LAG(period_id) OVER (PARTITION BY series ORDER BY period_id) AS previous_period_id
    FROM (SELECT DISTINCT series, period_id FROM v) d
),
peers AS (
    -- In area order: a parallel AVG adds in whatever order threads finish, so the last bit of peer_mean changed
    -- from run to run; in a fixed order a rerun on the same data gives the same release, byte for byte. A window
    -- ordered by area over the whole partition, as AVG(... ORDER BY ...) is DuckDB's own (Spark SQL has none).
    SELECT cell, peer_mean, peer_count
    FROM (
        SELECT x.cell - x.area_id + nb.area_id AS cell,
               AVG(x.value) OVER (PARTITION BY x.cell - x.area_id + nb.area_id ORDER BY x.area_id
                                  ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS peer_mean,
               COUNT(x.value) OVER (PARTITION BY x.cell - x.area_id + nb.area_id ORDER BY x.area_id
                                    ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS peer_count,
               ROW_NUMBER() OVER (PARTITION BY x.cell - x.area_id + nb.area_id ORDER BY x.area_id) AS nth
        FROM neighbours nb
        JOIN narrow x ON x.area_id = nb.neighbour_id
    ) w
    WHERE nth = 1
),
{aggregate_cte}
parents AS (
    -- only areas that have children: the hash tables of the parent and top-level joins hold 1% of the rows
    SELECT cell, value FROM v WHERE level_index < {leaf_level}
),
first_periods AS (
    -- each indicator's first period with a value (in any area): the base of its growth rate when its target
    -- names none. Not its numerator's first period: a ratio whose denominator starts later has no value there.
    -- Areas only: an aggregate root (id {n_areas}) published by the source may start earlier.
    SELECT ind_id, MIN(period_id) AS first_period_id
    FROM vals
    WHERE ind_id BETWEEN {first_ind} AND {last_ind} AND value IS NOT NULL AND area_id < {n_areas}
    GROUP BY ind_id
),
base AS (
    SELECT x.series_area, x.value AS base_value, x.t AS base_t
    FROM v x
    JOIN ind i ON i.ind_id = x.ind_id
    LEFT JOIN first_periods f ON f.ind_id = x.ind_id
    -- a base period the target names is taken even where it has no value (then there is no growth rate)
    WHERE x.period_id = CASE WHEN i.base_period IS NULL THEN f.first_period_id ELSE i.base_period_id END
),
measured AS (
    SELECT
        x.*,
        i.polarity, i.visibility,
        par.value AS parent_value,
        tl.value AS top_value,
        {aggregate_value}
        CASE WHEN x.value IS NULL THEN NULL ELSE r.rank_level END AS rank_level,
        CASE WHEN x.value IS NULL THEN NULL ELSE r.n_ranked_level END AS n_ranked_level,
        CASE WHEN x.value IS NULL OR x.level_index = 0 THEN NULL ELSE r.rank_parent END AS rank_parent,
        CASE WHEN x.value IS NULL OR x.level_index = 0 THEN NULL ELSE r.n_ranked_parent END AS n_ranked_parent,
        -- from the rank, so that tied areas share a quartile (NTILE splits ties arbitrarily)
        CASE WHEN x.value IS NULL THEN NULL
             ELSE CAST(FLOOR(4.0 * (r.rank_level - 1) / r.n_ranked_level) AS BIGINT) + 1 END AS quartile,
        sp.previous_period_id, pv.value AS previous_value,
        pe.peer_mean, pe.peer_count,
        COALESCE(tg.target, i.target) AS target,
        i.target_period,
        b.base_value, b.base_t, i.target_t
    FROM v x
    JOIN ind i ON i.ind_id = x.ind_id
    JOIN ranked r ON r.cell = x.cell
    LEFT JOIN parents par ON par.cell = x.cell - x.area_id + x.parent_id
    LEFT JOIN parents tl ON tl.cell = x.cell - x.area_id + x.top_id
    {aggregate_join}
    LEFT JOIN peers pe ON pe.cell = x.cell
    JOIN series_periods sp ON sp.series = x.series AND sp.period_id = x.period_id
    LEFT JOIN narrow pv ON pv.cell = x.cell - (x.period_id - sp.previous_period_id) * {n_breakdowns} * {n_areas}
    LEFT JOIN base b ON b.series_area = x.series_area
    LEFT JOIN area_targets tg
        ON tg.ind_id = x.ind_id AND tg.area_id = x.area_id
),
growth AS (
    SELECT
        m.*,
        -- (y / y0)^(1/n) - 1, written so that both engines agree to the last bits (sqltext._growth_rate); a
        -- value that fell to 0 is a fall of 100%: -1
        CASE WHEN m.value >= 0 AND m.base_value > 0 AND m.t > m.base_t
             THEN {cagr_observed} END AS cagr_observed,
        CASE WHEN m.target > 0 AND m.base_value > 0 AND m.target_t > m.base_t
             THEN {cagr_required} END AS cagr_required
    FROM measured m
),
judged AS (
    SELECT
        g.*,
        CASE
            WHEN g.value IS NULL OR g.polarity = 0 THEN NULL
            WHEN g.target IS NOT NULL AND g.value * g.polarity >= g.target * g.polarity THEN {progress[achieved]}
            WHEN g.cagr_observed IS NULL THEN NULL
            -- the base already met the target (the required change is none, or in the wrong direction) and
            -- the value no longer does: it moved the wrong way
            WHEN g.target IS NOT NULL AND g.cagr_required IS NOT NULL AND g.cagr_required * g.polarity <= 0
                THEN {progress[deterioration]}
            WHEN g.target IS NOT NULL AND g.cagr_required IS NOT NULL THEN
                CASE
                    WHEN g.cagr_observed / g.cagr_required >= 0.95 THEN {progress[on_track]}
                    WHEN g.cagr_observed / g.cagr_required >= 0.60 THEN {progress[acceleration_needed]}
                    WHEN g.cagr_observed / g.cagr_required >= 0 THEN {progress[limited_progress]}
                    ELSE {progress[deterioration]}
                END
            WHEN g.target IS NULL THEN
                CASE
                    WHEN g.cagr_observed * g.polarity >= 0.015 THEN {progress[on_track]}
                    WHEN g.cagr_observed * g.polarity >= 0.005 THEN {progress[acceleration_needed]}
                    WHEN g.cagr_observed * g.polarity >= 0 THEN {progress[limited_progress]}
                    ELSE {progress[deterioration]}
                END
        END AS progress_status
    FROM growth g
)
SELECT
    j.ind_id AS indicator, a.area_code, j.level_index AS level, j.level_index, a.parent_code,
    j.period_id AS period, j.bd_id AS breakdown,
    j.value, j.numerator, j.denominator, j.lower_ci, j.upper_ci, j.status, j.flags, j.note,
    j.coverage, j.coverage_denominator, j.n_reporting, j.n_expected,
    j.parent_value, j.top_value,
    {significance_parent} AS significance_parent,
    {significance_top} AS significance_top,
    {aggregate_columns}
    j.rank_level, j.n_ranked_level, j.rank_parent, j.n_ranked_parent, j.quartile,
    j.previous_period_id AS previous_period, j.previous_value,
    j.value - j.previous_value AS change,
    {significance_change} AS change_significance,
    j.peer_mean, j.peer_count,
    j.target, j.target_period,
    -- R only where the target asks for progress in the desired direction (else it has no meaning)
    CASE WHEN j.target IS NOT NULL AND j.cagr_required IS NOT NULL AND j.cagr_required * j.polarity > 0
         THEN j.cagr_observed / j.cagr_required END AS progress_ratio,
    j.cagr_observed,
    j.progress_status,
    CASE
        WHEN j.progress_status IN ({progress[achieved]}, {progress[on_track]}) THEN {rag[green]}
        WHEN j.progress_status = {progress[acceleration_needed]} THEN {rag[amber]}
        WHEN j.progress_status IN ({progress[limited_progress]}, {progress[deterioration]}) THEN {rag[red]}
    END AS rag,
    CASE WHEN j.visibility = 'public' THEN {visibility[public]} ELSE {visibility[internal]} END AS visibility,
    j.ind_id, j.area_id, j.period_id, j.bd_id
FROM judged j
JOIN areas a ON a.area_id = j.area_id
