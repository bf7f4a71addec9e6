"""Each plan's first counts (``unit_first_counts``: persons by the day they first count, per unit and metric) and their
biweekly period sums (``unit_period_counts``), filled from the models (queries/models/30_unit_progress.sql).

A province-size extract is counted part by part of the persons (``[duckdb] rows_per_count_part``): every fact of a
person falls in their part (metric_facts_of), so a part's counts are its own persons' and the plan's counts are the
parts' sums. At 100M the 2021 skills plan at once (000's trained-and-certified persons: a year's certificates joined
with its completed trainings) spilled past 28 GB and failed.
"""

from __future__ import annotations

import duckdb

from tracker.aggregates import part_pieces

# how a plan's first counts and their biweekly period sums are filled (queries/models/30_unit_progress.sql); their
# kept files are keyed by what these statements read
FIRST_COUNTS_FILL = "INSERT INTO unit_first_counts SELECT * FROM unit_first_counts_of($plan) ORDER BY first_date"
# a plan counted in several parts of the persons: each part's counts are their own persons', so the plan's counts are
# the parts' sums (kept in the cursor's own temporary table while the parts come in)
FIRST_COUNTS_PARTS = "CREATE OR REPLACE TEMP TABLE plan_first_count_parts AS FROM unit_first_counts LIMIT 0"
# (the part is written into the SQL, not passed as a parameter, so that the filter on it reaches the scans)
FIRST_COUNTS_PART_FILL = "INSERT INTO plan_first_count_parts SELECT * FROM unit_first_counts_of($plan, {part}, {parts})"
FIRST_COUNTS_SUM = (
    "INSERT INTO unit_first_counts SELECT plan_id, metric, part, unit_type, unit_code, first_date, "
    "CAST(sum(persons) AS BIGINT) FROM plan_first_count_parts GROUP BY ALL ORDER BY first_date"
)
# the rows within each plan's windows (targets.csv: its first start to its last deadline): completed trainings ending
# in them, certificates issued in them; counted per day first, so each table is read once for every plan
PLAN_WINDOW_ROWS = """
WITH training_days AS (
    SELECT CAST(end_date AS DATE) AS day, count(*) AS n FROM training_raw WHERE status = 'completed' GROUP BY ALL
),
certificate_days AS (
    SELECT CAST(issue_date AS DATE) AS day, count(*) AS n FROM certificates_raw GROUP BY ALL
),
plan_windows AS (
    SELECT plan_id, min(start) AS start, max(deadline) AS deadline FROM targets GROUP BY ALL
)
SELECT w.plan_id,
       greatest((SELECT coalesce(sum(n), 0) FROM training_days WHERE day BETWEEN w.start AND w.deadline),
                (SELECT coalesce(sum(n), 0) FROM certificate_days WHERE day BETWEEN w.start AND w.deadline))
FROM plan_windows AS w
"""
PERIOD_COUNTS_FILL = "INSERT INTO unit_period_counts SELECT * FROM unit_period_counts_of($plan)"


def plan_parts(cur: duckdb.DuckDBPyConnection, rows_per_count_part: int) -> dict[str, int]:
    """How many parts of the persons each plan's person-level work (its first counts, its breakdown attribution) is
    done in: one per ``rows_per_count_part`` of the rows within the plan's windows (completed trainings or
    certificates, the larger). Read from the extract's raw rows (one pass over each table's dates), before the models."""
    return {
        plan: len(part_pieces(rows, rows_per_count_part)) for plan, rows in cur.execute(PLAN_WINDOW_ROWS).fetchall()
    }


def count_firsts(cur: duckdb.DuckDBPyConnection, plan: str, parts: int) -> None:
    """A plan's first counts into unit_first_counts: at once, or part by part of the persons, summed."""
    if parts == 1:
        cur.execute(FIRST_COUNTS_FILL, {"plan": plan})
        return
    cur.execute(FIRST_COUNTS_PARTS)
    try:
        for part in range(parts):
            cur.execute(FIRST_COUNTS_PART_FILL.format(part=part, parts=parts), {"plan": plan})
        cur.execute(FIRST_COUNTS_SUM)
    finally:
        cur.execute("DROP TABLE IF EXISTS plan_first_count_parts")
