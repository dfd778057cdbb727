-- Every level from the cells. A parent is the sum of the children that report both numerator and
-- denominator (a rate is recomputed as a ratio of sums, never a mean of rates). Each level's sum is over the
-- local areas below it (its ancestor column in cells), so a parent whose children sit at different levels
-- (a ragged hierarchy: a council directly under its country) sums its local areas all the same.
-- A local area is its own single cell, so its row is a projection; only the levels above it are
-- aggregated, in one pass (GROUPING SETS). Aggregating the local level too would build a hash table with
-- a group per cell, five times the cost of the whole roll-up above it.
-- Flags are bits (p 1, e 2, b 4, u 8, d 16) of the reporting cells, OR-ed up the hierarchy. The
-- confidential bit (c 32) stays on the local area's own row: that cell is withheld, and secondary
-- suppression (not a flag on every parent) keeps it from being worked out.
SELECT
    ind_id, period_id, bd_id, {leaf} AS area_id,
    CASE WHEN rep = 1 THEN num END AS numerator,
    CASE WHEN rep = 1 THEN den END AS denominator,
    den AS denominator_known,
    CAST(1 AS BIGINT) AS n_expected,
    CAST(rep AS BIGINT) AS n_reporting,
    CASE WHEN rep = 1 THEN fbits ELSE 0 END AS fbits
FROM cells
UNION ALL
-- Sums are rounded to 15 significant digits: adding decimal values leaves noise in the last bits
-- (1926097.3999999997 for 1926097.4) that a reader re-adding the published children would not get. 15, the
-- digits a double holds, so that no real digit is lost (national sums of money in cents keep their cents) and
-- a 1-ulp difference in the order DuckDB adds in moves a sum by 1e-15 at most, far inside the 1e-12 that
-- revisions and disclosure's comparison with the previous release tolerate. Noise from very many terms can
-- reach past the 15th digit and stay. Whole numbers below 10^15 are unchanged; larger sums are left as they are.
SELECT
    ind_id, period_id, bd_id, area_id,
    {round_numerator} AS numerator,
    {round_denominator} AS denominator,
    {round_denominator_known} AS denominator_known,
    n_expected, n_reporting, fbits
FROM (
    SELECT
        ind_id, period_id, bd_id, {area_case} AS area_id,
        SUM(CASE WHEN rep = 1 THEN num END) AS numerator,
        SUM(CASE WHEN rep = 1 THEN den END) AS denominator,
        SUM(den) AS denominator_known,
        COUNT(*) AS n_expected,
        CAST(SUM(rep) AS BIGINT) AS n_reporting,
        BIT_OR(CASE WHEN rep = 1 THEN fbits & 31 ELSE 0 END) AS fbits
    FROM cells
    WHERE {has_parents}
    GROUP BY GROUPING SETS ({grouping_sets})
) sums
-- a ragged hierarchy: the leaves whose line skips a level have no ancestor there (null), and that group is
-- no area
WHERE area_id IS NOT NULL
