-- Value, 95% confidence interval, status and note for every area, level and period; and the primary
-- disclosure flag. z = 1.959964 (two-sided 95%). The method-specific parts (the methods' CTEs and join, the raw
-- value, numerator, denominator and note of each method) come from the methods' modules (indicators/methods/).
WITH {method_ctes}
computed AS (
    SELECT
        r.ind_id, r.area_id, r.period_id, r.bd_id,
        {numerator} AS numerator, {denominator} AS denominator,
        r.n_reporting, r.n_expected,
        CAST(r.n_reporting AS DOUBLE) / r.n_expected AS coverage,
        -- 0, not empty, when no child reports (the denominator is known, none of it reported). Where a
        -- disclosure rule counts the denominator, only when no area or every area reported: any other share
        -- gives away the denominator of the areas that did not report, which no cell shows (1230 / 0.995146
        -- - 1230 = 6 people; and a share of exactly 1 with an area missing says its count is 0)
        CASE WHEN r.denominator_known > 0
                  AND (i.den_counted = 0 OR r.n_reporting = 0 OR r.n_reporting = r.n_expected)
             THEN COALESCE(r.denominator, 0) / r.denominator_known END
            AS coverage_denominator,
        CONCAT(CASE WHEN (r.fbits & 1) <> 0 THEN 'p' ELSE '' END, CASE WHEN (r.fbits & 2) <> 0 THEN 'e' ELSE '' END,
               CASE WHEN (r.fbits & 4) <> 0 THEN 'b' ELSE '' END, CASE WHEN (r.fbits & 8) <> 0 THEN 'u' ELSE '' END,
               CASE WHEN (r.fbits & 16) <> 0 THEN 'd' ELSE '' END, CASE WHEN (r.fbits & 32) <> 0 THEN 'c' ELSE '' END)
            AS flags,
        {raw_value} AS raw_value,
        -- why a row whose areas reported has no value, where its method says (an index without a base)
        {method_note} AS method_note
    FROM rolled r
    JOIN ind i ON i.ind_id = r.ind_id
    {method_joins}
),
published_grid AS (
    SELECT DISTINCT i.ind_id, o.period_id, o.bd_id
    FROM ind i JOIN obs_k o ON o.measure_id = i.num_id
    WHERE i.method IN ({as_published}) AND i.ind_id BETWEEN {first_ind} AND {last_ind}
),
published AS (
    SELECT
        g.ind_id, a.area_id, g.period_id, g.bd_id,
        CAST(NULL AS DOUBLE) AS numerator, CAST(NULL AS DOUBLE) AS denominator,
        CASE WHEN o.value IS NULL THEN 0 ELSE 1 END AS n_reporting, 1 AS n_expected,
        CASE WHEN o.value IS NULL THEN 0.0 ELSE 1.0 END AS coverage,
        CAST(NULL AS DOUBLE) AS coverage_denominator,
        COALESCE(o.flags, '') AS flags,
        o.value AS raw_value,
        CAST(NULL AS STRING) AS method_note
    FROM published_grid g
    JOIN ind i ON i.ind_id = g.ind_id
    CROSS JOIN {area_table} a
    LEFT JOIN obs_k o
        ON o.measure_id = i.num_id AND o.area_id = a.area_id AND o.period_id = g.period_id
        AND o.bd_id = g.bd_id
),
u AS (
    SELECT * FROM computed
    UNION ALL
    SELECT * FROM published
),
judged AS (
    SELECT
        u.*,
        i.method, i.multiplier, i.interval_method, i.min_coverage,
        i.disclosure_threshold, i.disclosure_zero, i.disclosure_on,
        CASE WHEN u.coverage >= i.min_coverage OR i.method IN ({as_published}) THEN u.raw_value END AS value
    FROM u
    JOIN ind i ON i.ind_id = u.ind_id
),
with_ci AS (
    SELECT
        j.*,
        CASE
            WHEN j.value IS NULL THEN NULL
            -- exactly 0 at x = 0 (the formula's rounding leaves +-1e-16 there, and a lower limit of 1e-16 put
            -- an area at 0% significantly above a benchmark of 0%)
            WHEN j.interval_method = 'wilson' AND j.denominator > 0 AND j.numerator = 0 THEN 0.0
            WHEN j.interval_method = 'wilson' AND j.denominator > 0 AND j.numerator > 0
                 AND j.numerator <= j.denominator THEN
                ((j.numerator / j.denominator + 1.959964 * 1.959964 / (2 * j.denominator))
                 - 1.959964 * SQRT(j.numerator / j.denominator * (1 - j.numerator / j.denominator) / j.denominator
                                   + 1.959964 * 1.959964 / (4 * j.denominator * j.denominator)))
                / (1 + 1.959964 * 1.959964 / j.denominator) * j.multiplier
            WHEN j.interval_method = 'poisson' AND j.numerator >= 0 THEN
                COALESCE(
                    pl.lower_count,
                    CASE WHEN j.numerator = 0 THEN 0.0 ELSE
                        j.numerator * POWER(1 - 1 / (9 * j.numerator) - 1.959964 / (3 * SQRT(j.numerator)), 3) END
                ) / COALESCE(j.denominator, 1) * j.multiplier
        END AS lower_ci,
        CASE
            WHEN j.value IS NULL THEN NULL
            -- exactly 1 x multiplier at x = n (the formula's rounding leaves 1 +- 3e-16 there: 100% vs a benchmark of
            -- 100% came out significantly lower)
            WHEN j.interval_method = 'wilson' AND j.denominator > 0 AND j.numerator = j.denominator
                THEN j.multiplier
            WHEN j.interval_method = 'wilson' AND j.denominator > 0 AND j.numerator >= 0
                 AND j.numerator < j.denominator THEN
                ((j.numerator / j.denominator + 1.959964 * 1.959964 / (2 * j.denominator))
                 + 1.959964 * SQRT(j.numerator / j.denominator * (1 - j.numerator / j.denominator) / j.denominator
                                   + 1.959964 * 1.959964 / (4 * j.denominator * j.denominator)))
                / (1 + 1.959964 * 1.959964 / j.denominator) * j.multiplier
            WHEN j.interval_method = 'poisson' AND j.numerator >= 0 THEN
                COALESCE(
                    pl.upper_count,
                    (j.numerator + 1) * POWER(1 - 1 / (9 * (j.numerator + 1)) + 1.959964 / (3 * SQRT(j.numerator + 1)), 3)
                ) / COALESCE(j.denominator, 1) * j.multiplier
        END AS upper_ci
    FROM judged j
    LEFT JOIN poisson pl
        ON j.interval_method = 'poisson' AND pl.observed = j.numerator
)
SELECT
    ind_id, area_id, period_id, bd_id,
    -- a parent below the minimum coverage is not published, nor are its partial sums: with them its
    -- reporting children's withheld counts could be worked out
    value, CASE WHEN value IS NOT NULL THEN numerator END AS numerator,
    CASE WHEN value IS NOT NULL THEN denominator END AS denominator, lower_ci, upper_ci,
    CASE
        WHEN n_reporting = 0 THEN 'missing'
        WHEN value IS NULL AND raw_value IS NOT NULL THEN 'low_coverage'
        WHEN value IS NULL THEN 'missing'
        WHEN flags LIKE '%c%' THEN 'confidential'
        WHEN flags LIKE '%p%' THEN 'provisional'
        WHEN flags LIKE '%e%' THEN 'estimated'
        WHEN flags LIKE '%u%' THEN 'low_reliability'
        WHEN flags LIKE '%b%' THEN 'break'
        WHEN flags LIKE '%d%' THEN 'definition_differs'
        ELSE 'ok'
    END AS status,
    flags,
    coverage, coverage_denominator, n_reporting, n_expected,
    CASE
        WHEN method IN ({as_published}) THEN NULL
        -- a local area (or a parent of one local area) is told apart from a parent none of whose areas reported
        WHEN n_reporting = 0 AND n_expected = 1 THEN 'No value was reported for this area and period.'
        WHEN n_reporting = 0 THEN 'No local area reported for this period.'
        WHEN value IS NULL AND method_note IS NOT NULL THEN method_note
        WHEN value IS NULL AND raw_value IS NOT NULL THEN
            CONCAT('Not computed: ', CAST(n_reporting AS STRING), ' of ', CAST(n_expected AS STRING),
                   ' local areas reported, below the minimum coverage of ',
                   CAST(CAST(ROUND(min_coverage * 100) AS BIGINT) AS STRING), '%.')
        WHEN n_reporting < n_expected THEN
            CONCAT('Computed from the ', CAST(n_reporting AS STRING), ' of ', CAST(n_expected AS STRING),
                   ' local areas that reported.')
    END AS note,
    -- 1: a count below the threshold; 2: confidential according to its publisher (flag c), whatever the
    -- indicator's disclosure rule
    CASE
        WHEN value IS NULL THEN 0
        WHEN flags LIKE '%c%' THEN 2
        WHEN disclosure_threshold IS NULL THEN 0
        -- a published figure is its own count (it has no numerator)
        WHEN disclosure_on IN ('numerator', 'both')
             AND COALESCE(numerator, CASE WHEN method IN ({as_published}) THEN value END) < disclosure_threshold
             AND (COALESCE(numerator, CASE WHEN method IN ({as_published}) THEN value END) > 0 OR disclosure_zero = 1)
            THEN 1
        WHEN disclosure_on IN ('denominator', 'both') AND denominator < disclosure_threshold
             AND (denominator > 0 OR disclosure_zero = 1) THEN 1
        ELSE 0
    END AS primary_suppressed
FROM with_ci
