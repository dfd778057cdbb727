-- The published table. Suppressed cells are withheld first, so that no rank, peer mean or benchmark
-- can reveal them; then every comparison is made on what is published.
WITH v AS (
    SELECT
        x.indicator, x.area_code, a.level, a.level_index, a.parent_code, a.top_code,
        x.period, p.t, x.breakdown,
        CASE WHEN s.area_code IS NULL THEN x.value END AS value,
        CASE WHEN s.area_code IS NULL THEN x.numerator END AS numerator,
        CASE WHEN s.area_code IS NULL THEN x.denominator END AS denominator,
        CASE WHEN s.area_code IS NULL THEN x.lower_ci END AS lower_ci,
        CASE WHEN s.area_code IS NULL THEN x.upper_ci END AS upper_ci,
        CASE WHEN s.area_code IS NULL THEN x.status ELSE 'suppressed' END AS status,
        x.flags, x.coverage, x.coverage_denominator, x.n_reporting, x.n_expected,
        CASE WHEN s.area_code IS NULL THEN x.note ELSE s.reason END AS note
    FROM vals x
    JOIN areas a ON a.area_code = x.area_code
    JOIN periods p ON p.period = x.period
    LEFT JOIN suppressed s
        ON s.indicator = x.indicator AND s.area_code = x.area_code AND s.period = x.period
        AND s.breakdown = x.breakdown
),
peers AS (
    SELECT nb.area_code, x.indicator, x.period, x.breakdown,
           AVG(x.value) AS peer_mean, COUNT(x.value) AS peer_count
    FROM neighbours nb
    JOIN v x ON x.area_code = nb.neighbour_code
    GROUP BY nb.area_code, x.indicator, x.period, x.breakdown
),
base AS (
    SELECT x.indicator, x.area_code, x.breakdown, x.value AS base_value, x.t AS base_t
    FROM v x
    JOIN ind i ON i.indicator = x.indicator AND x.period = i.base_period
),
measured AS (
    SELECT
        x.*,
        i.polarity, i.visibility,
        par.value AS parent_value,
        tl.value AS top_value,
        CASE WHEN x.value IS NULL THEN NULL ELSE
            RANK() OVER (PARTITION BY x.indicator, x.period, x.breakdown, x.level_index,
                                      CASE WHEN x.value IS NULL THEN 1 ELSE 0 END
                         ORDER BY x.value * i.rank_sign DESC) END AS rank_level,
        COUNT(x.value) OVER (PARTITION BY x.indicator, x.period, x.breakdown, x.level_index) AS n_ranked_level,
        CASE WHEN x.value IS NULL OR x.level_index = 0 THEN NULL ELSE
            RANK() OVER (PARTITION BY x.indicator, x.period, x.breakdown, x.parent_code,
                                      CASE WHEN x.value IS NULL THEN 1 ELSE 0 END
                         ORDER BY x.value * i.rank_sign DESC) END AS rank_parent,
        CASE WHEN x.level_index = 0 THEN NULL ELSE
            COUNT(x.value) OVER (PARTITION BY x.indicator, x.period, x.breakdown, x.parent_code) END
            AS n_ranked_parent,
        CASE WHEN x.value IS NULL THEN NULL ELSE
            NTILE(4) OVER (PARTITION BY x.indicator, x.period, x.breakdown, x.level_index,
                                        CASE WHEN x.value IS NULL THEN 1 ELSE 0 END
                           ORDER BY x.value * i.rank_sign DESC) END AS quartile,
        LAG(x.period) OVER (PARTITION BY x.indicator, x.area_code, x.breakdown ORDER BY x.t) AS previous_period,
        LAG(x.value) OVER (PARTITION BY x.indicator, x.area_code, x.breakdown ORDER BY x.t) AS previous_value,
        pe.peer_mean, pe.peer_count,
        COALESCE(tg.target, i.target) AS target,
        i.target_period,
        b.base_value, b.base_t, i.target_t
    FROM v x
    JOIN ind i ON i.indicator = x.indicator
    LEFT JOIN v par
        ON par.indicator = x.indicator AND par.area_code = x.parent_code AND par.period = x.period
        AND par.breakdown = x.breakdown
    LEFT JOIN v tl
        ON tl.indicator = x.indicator AND tl.area_code = x.top_code AND tl.period = x.period
        AND tl.breakdown = x.breakdown
    LEFT JOIN peers pe
        ON pe.area_code = x.area_code AND pe.indicator = x.indicator AND pe.period = x.period
        AND pe.breakdown = x.breakdown
    LEFT JOIN base b
        ON b.indicator = x.indicator AND b.area_code = x.area_code AND b.breakdown = x.breakdown
    LEFT JOIN area_targets tg
        ON tg.indicator = x.indicator AND tg.area_code = x.area_code
),
growth AS (
    SELECT
        m.*,
        CASE WHEN m.value > 0 AND m.base_value > 0 AND m.t > m.base_t
             THEN POWER(m.value / m.base_value, 1.0 / (m.t - m.base_t)) - 1 END AS cagr_observed,
        CASE WHEN m.target > 0 AND m.base_value > 0 AND m.target_t > m.base_t
             THEN POWER(m.target / m.base_value, 1.0 / (m.target_t - m.base_t)) - 1 END AS cagr_required
    FROM measured m
),
judged AS (
    SELECT
        g.*,
        CASE
            WHEN g.value IS NULL OR g.polarity = 0 THEN NULL
            WHEN g.target IS NOT NULL AND g.value * g.polarity >= g.target * g.polarity THEN 'achieved'
            WHEN g.cagr_observed IS NULL THEN NULL
            WHEN g.target IS NOT NULL AND g.cagr_required IS NOT NULL AND g.cagr_required <> 0 THEN
                CASE
                    WHEN g.cagr_observed / g.cagr_required >= 0.95 THEN 'on_track'
                    WHEN g.cagr_observed / g.cagr_required >= 0.60 THEN 'acceleration_needed'
                    WHEN g.cagr_observed / g.cagr_required >= 0 THEN 'limited_progress'
                    ELSE 'deterioration'
                END
            WHEN g.target IS NULL THEN
                CASE
                    WHEN g.cagr_observed * g.polarity >= 0.015 THEN 'on_track'
                    WHEN g.cagr_observed * g.polarity >= 0.005 THEN 'acceleration_needed'
                    WHEN g.cagr_observed * g.polarity >= 0 THEN 'limited_progress'
                    ELSE 'deterioration'
                END
        END AS progress_status
    FROM growth g
)
SELECT
    indicator, area_code, level, level_index, parent_code, period, breakdown,
    value, numerator, denominator, lower_ci, upper_ci, status, flags, note,
    coverage, coverage_denominator, n_reporting, n_expected,
    parent_value, top_value,
    {significance_parent} AS significance_parent,
    {significance_top} AS significance_top,
    rank_level, n_ranked_level, rank_parent, n_ranked_parent, quartile,
    previous_period, previous_value,
    value - previous_value AS change,
    {significance_change} AS change_significance,
    peer_mean, peer_count,
    target, target_period,
    CASE WHEN target IS NOT NULL AND cagr_required IS NOT NULL AND cagr_required <> 0
         THEN cagr_observed / cagr_required END AS progress_ratio,
    cagr_observed,
    progress_status,
    CASE
        WHEN progress_status IN ('achieved', 'on_track') THEN 'green'
        WHEN progress_status = 'acceleration_needed' THEN 'amber'
        WHEN progress_status IN ('limited_progress', 'deterioration') THEN 'red'
    END AS rag,
    visibility
FROM judged
