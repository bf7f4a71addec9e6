-- Units and the plan windows every metric is measured in.

-- A region unit holds every county beneath it (CONTRACT §3: a city sums its counties, the province its cities).
CREATE OR REPLACE VIEW unit_members AS
WITH counties AS (
    SELECT code AS county_code, parent_code AS city_code FROM regions WHERE level = 'county'
),
province AS (
    SELECT code AS province_code FROM regions WHERE level = 'province'
)
SELECT 'county' AS unit_type, county_code AS unit_code, county_code FROM counties
UNION ALL
SELECT 'city', city_code, county_code FROM counties
UNION ALL
SELECT 'province', province_code, county_code FROM counties, province;

-- CONTRACT §4 names, not codes: a county row always carries its city (晋城市·城区 vs 阳泉市·城区)
CREATE OR REPLACE VIEW region_labels AS
SELECT r.level AS unit_type, r.code AS unit_code,
       CASE WHEN r.level = 'county' THEN city.name || '·' || r.name ELSE r.name END AS unit_label
FROM regions AS r
LEFT JOIN regions AS city ON city.code = r.parent_code AND city.level = 'city';

CREATE OR REPLACE VIEW unit_names AS
SELECT l.unit_type, l.unit_code, l.unit_label AS unit_name, r.parent_code
FROM region_labels AS l JOIN regions AS r ON r.code = l.unit_code
UNION ALL
SELECT 'school', unit_code, name, city_code FROM schools;

-- Each measurable metric of a plan, with the window it is counted in (start ≤ date ≤ as-of).
CREATE OR REPLACE VIEW plan_metric_windows AS
SELECT t.plan_id, t.metric, m.kind, m.position, min(t.start) AS start, max(t.deadline) AS deadline
FROM targets AS t
JOIN metrics AS m USING (metric)
WHERE m.computable
GROUP BY ALL;

-- CONTRACT §3 status: on_track when completion ≥ expected, behind when 0–10 points short, lagging beyond.
CREATE OR REPLACE MACRO status_of(p_pct, p_expected_pct) AS
    CASE
        WHEN p_pct IS NULL OR p_expected_pct IS NULL THEN NULL
        WHEN p_pct >= p_expected_pct THEN 'on_track'
        WHEN p_expected_pct - p_pct <= 10 THEN 'behind'
        ELSE 'lagging'
    END;

-- CONTRACT §4 status of a figure as of a date: 未开始 before the plan's start; 无数据 where the plan's window
-- holds no data or a rate has nobody in its denominator yet (never 0 %, never on track); otherwise §3's rule.
-- NULL where the unit has no target to be judged against.
CREATE OR REPLACE MACRO progress_status(p_as_of, p_start, p_has_data, p_has_value, p_target, p_pct, p_expected_pct) AS
    CASE
        WHEN p_target IS NULL THEN NULL
        WHEN CAST(p_as_of AS DATE) < CAST(p_start AS DATE) THEN 'not_started'
        WHEN NOT p_has_data OR NOT p_has_value THEN 'no_data'
        ELSE status_of(p_pct, p_expected_pct)
    END;

-- CONTRACT §3 expected share (时序进度): linear through (start − 1 day, 0), the plan's milestones and
-- (deadline, 1), clipped to [0, 1]. Without milestones: (d − start + 1) ÷ (deadline − start + 1).
CREATE OR REPLACE MACRO expected_share(p_plan, p_metric, p_start, p_deadline, p_on) AS (
    WITH trajectory AS (
        SELECT CAST(p_start AS DATE) - 1 AS point_date, 0.0 AS share
        UNION ALL
        SELECT date, share FROM milestones WHERE plan_id = p_plan AND metric = p_metric
        UNION ALL
        SELECT CAST(p_deadline AS DATE), 1.0
    ),
    -- the last point on or before the day and the first after it (a struct orders by date, then share); one
    -- grouping, not two sorted LIMITs: evaluated once per window and day of a series
    around AS (
        SELECT max({'point_date': point_date, 'share': share}) FILTER (WHERE point_date <= p_on) AS b,
               min({'point_date': point_date, 'share': share}) FILTER (WHERE point_date > p_on) AS a
        FROM trajectory
    )
    SELECT least(1.0, greatest(0.0, coalesce(
        (SELECT b.share + (a.share - b.share) * date_diff('day', b.point_date, CAST(p_on AS DATE))
                          / date_diff('day', b.point_date, a.point_date)
         FROM around),
        CASE WHEN CAST(p_on AS DATE) < CAST(p_start AS DATE) THEN 0.0 ELSE 1.0 END)))
);

-- unit_completions: completed trainings in a region unit's counties between the plan's start and a date
-- (CONTRACT §3: a training counts when completed and plan start ≤ end_date ≤ D; §4: never past the deadline)
CREATE OR REPLACE MACRO unit_completions(p_plan, p_unit, p_as_of) AS TABLE
SELECT t.*
FROM completed_training AS t
WHERE t.county_code IN (SELECT county_code FROM unit_members WHERE unit_code = p_unit)
  AND t.end_date BETWEEN (SELECT start FROM plans WHERE plan_id = p_plan)
                     AND least(CAST(p_as_of AS DATE), (SELECT deadline FROM plans WHERE plan_id = p_plan));
