-- 资金测算 at scale (issue #12): the subsidy pricing of 60_subsidy.sql as segments over the as-of date, priced once
-- per data version. The version aggregates subsidy_platform_shares, subsidy_class_timeline, subsidy_segments and
-- subsidy_segment_totals (queries/aggregates/40–42) are the series below written to Parquet; until they are built the
-- runner reads them through their own SELECT (same answers, from the raw rows).

-- Each online platform's offline share (003 四(四)) per calendar year of its courses' end, as a series over the as-of date
-- One row per (platform, end_year, share_from): the share of the platform's claimants of that year who went on to an
-- offline training, holding for as-of dates share_from ≤ D < share_until (share_until NULL: to the end of the data).
-- Before a platform-year's first row the share is 0 (no claimant yet). Read by subsidy_segments (tiers) and by
-- subsidy_priced (the share shown on a record).
CREATE OR REPLACE VIEW subsidy_platform_share_series AS
WITH online_claims AS (
    -- persons a platform claims for in a year (passed); enterprise employees are not counted (003 四(四)).
    -- A claimant counts from the end of their first course of that year on the platform.
    SELECT institution_id, year(end_date) AS end_year, person_id, min(end_date) AS claimed_on
    FROM completed_training
    WHERE training_type = 'online' AND passed IS TRUE AND person_category IS DISTINCT FROM 'enterprise_employee'
    GROUP BY ALL
),
claimants_gone_offline AS (
    -- a claimant counts as gone offline from the first start of a non-online, not dropped training on or after
    -- the end of their first course (the earliest such start serves every later course of the year too)
    SELECT o.institution_id, o.end_year, o.person_id, o.claimed_on, min(f.start_date) AS offline_on
    FROM online_claims AS o
    LEFT JOIN training AS f
      ON f.person_id = o.person_id AND f.training_type <> 'online' AND f.status <> 'dropped'
     AND f.start_date >= o.claimed_on
    GROUP BY ALL
),
share_changes AS (
    SELECT institution_id, end_year, changed_on, sum(claimants) AS claimants, sum(gone_offline) AS gone_offline
    FROM (
        SELECT institution_id, end_year, claimed_on AS changed_on, 1 AS claimants, 0 AS gone_offline
        FROM claimants_gone_offline
        UNION ALL
        SELECT institution_id, end_year, offline_on, 0, 1
        FROM claimants_gone_offline
        WHERE offline_on IS NOT NULL
    )
    GROUP BY ALL
),
share_series AS (
    SELECT
        institution_id,
        end_year,
        changed_on AS share_from,
        lead(changed_on) OVER platform_year AS share_until,
        sum(gone_offline) OVER platform_year / sum(claimants) OVER platform_year AS offline_share
    FROM share_changes
    WINDOW platform_year AS (PARTITION BY institution_id, end_year ORDER BY changed_on)
)
SELECT * FROM share_series;

-- The completions each pricing start sees (see subsidy_segment_series_of below: priced_from), of the persons of part
-- p_part of p_parts (in_person_part, 60_subsidy.sql; 0 of 1: everyone)
CREATE OR REPLACE MACRO subsidy_completions_of(p_part, p_parts) AS TABLE
WITH pricing_starts AS (
    SELECT DATE '0001-01-01' AS priced_from
    UNION
    SELECT make_date(year(start) - 1, 1, 1) FROM plans
),
completions_all AS (
    SELECT
        t.* EXCLUDE (person_bucket),
        CAST(ceil(t.hours / 8.0) AS INTEGER) AS days,
        year(t.start_date)                   AS start_year,
        year(t.end_date)                     AS end_year,
        -- the earliest start among the person's completions on this line ending in this calendar year (cap partition)
        min(t.start_date) OVER (PARTITION BY t.person_id, t.training_type, year(t.end_date)) AS partition_first_start
    FROM subsidy_training_inputs AS t
    WHERE in_person_part(t.person_bucket, p_part, p_parts)
)
-- all of them once (0001-01-01); from a plan's pricing start, only the partitions it changes (their classes and
-- repeat years started before it, so they are all in here)
SELECT s.priced_from, c.*
FROM completions_all AS c
JOIN pricing_starts AS s
  ON c.end_date >= s.priced_from
 AND (s.priced_from = DATE '0001-01-01' OR c.partition_first_start < s.priced_from);

-- Order/project employment per class (institution + occupation + start date) as a series over the as-of date: the
-- completers and employed by the day each completer ended; the class is judged once every completer so far is due
-- (last end + 90 days). A class spans persons, so it is computed over everyone (only order/project completions).
CREATE OR REPLACE VIEW subsidy_class_timeline_series AS
WITH class_completions AS (
    SELECT priced_from, institution_id, occupation, start_date, training_type, end_date,
           count(*) AS completers, count(*) FILTER (WHERE employed IS TRUE) AS employed
    FROM subsidy_completions_of(0, 1)
    WHERE training_type = 'order_project'
    GROUP BY ALL
)
SELECT
    priced_from, institution_id, occupation, start_date, training_type,
    end_date                                                         AS last_end,
    lead(end_date) OVER class_order                                  AS next_end,
    sum(employed) OVER class_order / sum(completers) OVER class_order AS class_rate
FROM class_completions
WINDOW class_order AS (PARTITION BY priced_from, institution_id, occupation, start_date, training_type ORDER BY end_date);

-- Every completed training and certificate priced once per data version, as segments over the as-of date
-- The point-in-time pricing (tests/reference/subsidy_684347b/definition.sql, the definition) depends on the
-- as-of date D only through dates: a record exists from its own date; an outcome is due 90 days after end_date; a
-- class's completers and their dues, a certificate naming the training, a bonus certificate, an earlier repeat and a
-- platform's offline tier each start to count on a date. So each record is priced at every date where one of these
-- can change its amount (its "points"), and a segment holds from its point (valid_from ≤ D) to the next
-- (D < valid_until; NULL: to the end of the data). subsidy_priced(plan, D) filters these segments.
--
-- Pricing start (priced_from): the definition prices completions from 1 January of the year before a plan's start.
-- Earlier completions matter only to a record whose class or repeat year began before that day (a training over a
-- year long), or to records in the same person-line-year cap as such a record. Segments are priced once over every
-- completion (priced_from = 0001-01-01, valid for a plan when the cap partition's first start year, first_start_year,
-- is not before its pricing start's year), and again for each plan's pricing start for just the records it touches.
-- The dates where a platform-year's offline share crosses a tier threshold (003 四(四): the tier, not the share, changes
-- an amount), over every platform (version aggregate subsidy_platform_tier_changes)
CREATE OR REPLACE VIEW subsidy_platform_tier_change_series AS
WITH online_tier_thresholds AS (
    SELECT DISTINCT min_offline_share FROM subsidy_rules WHERE kind = 'online_tier'
),
platform_tiers AS (
    -- how many tier thresholds a platform-year's share reaches from each share_from (before its first row: share 0)
    SELECT
        p.institution_id, p.end_year, p.share_from,
        count(t.min_offline_share) AS tier_no,
        (SELECT count(*) FROM online_tier_thresholds WHERE 0 >= min_offline_share - 1e-12) AS tier_at_zero
    FROM subsidy_platform_shares AS p
    LEFT JOIN online_tier_thresholds AS t ON p.offline_share >= t.min_offline_share - 1e-12
    GROUP BY ALL
),
platform_tier_changes AS (
    -- the dates where a platform-year's share crosses a tier threshold (the tier, not the share, changes an amount)
    SELECT institution_id, end_year, share_from AS changed_on
    FROM (
        SELECT
            *,
            lag(tier_no, 1, tier_at_zero) OVER (PARTITION BY institution_id, end_year ORDER BY share_from) AS tier_before
        FROM platform_tiers
    )
    WHERE tier_no <> tier_before
)
SELECT * FROM platform_tier_changes;

-- 000: 80 % once the trainee is certified: passed, or from the first certificate that names the training; keyed by
-- the training's person bucket (a certificate may name another person's training), so a part reads its own rows
CREATE OR REPLACE VIEW subsidy_certified_date_series AS
SELECT t.person_bucket, c.training_record_id AS record_id, min(c.issue_date) AS certified_on
FROM subsidy_certificate_inputs AS c
JOIN subsidy_training_inputs AS t ON t.record_id = c.training_record_id
GROUP BY ALL;

-- Priced per part of the persons (p_part of p_parts, by hash(person_id)): a record's price depends on its person's
-- other records and certificates, its class (subsidy_class_timeline, over everyone) and its platform's share
-- (subsidy_platform_shares), so the version aggregate is built part by part in bounded memory.
CREATE OR REPLACE MACRO subsidy_segment_series_of(p_part, p_parts) AS TABLE
WITH completions AS MATERIALIZED (
    SELECT * FROM subsidy_completions_of(p_part, p_parts)
),
completions_all AS (
    SELECT * EXCLUDE (priced_from) FROM completions WHERE priced_from = DATE '0001-01-01'
),
rule_of_record AS MATERIALIZED (
    -- the standard in force on end_date for the line where the training counts; the most local scope wins
    SELECT c.record_id, r.*
    FROM completions_all AS c
    JOIN subsidy_rules AS r
      ON r.line = c.training_type
     AND r.kind IN ('per_person', 'per_person_year', 'per_day', 'per_hour')
     AND c.end_date BETWEEN r.valid_from AND coalesce(r.valid_to, DATE '9999-12-31')
     AND (r.skill_level IS NULL OR r.skill_level = c.skill_level)
    JOIN unit_members AS m ON m.unit_code = r.scope_code AND m.county_code = c.county_code
    QUALIFY row_number() OVER (
        PARTITION BY c.record_id
        ORDER BY CASE m.unit_type WHEN 'county' THEN 0 WHEN 'city' THEN 1 ELSE 2 END, r.valid_from DESC, r.rule_id
    ) = 1
),
standard_amounts AS MATERIALIZED (
    -- a record's standard and its own limits (days beyond max_days, a per-course cap): they do not depend on D
    SELECT
        c.*,
        r.rule_id, r.kind, r.source, r.amount AS rate, r.cap, r.cap_per, r.min_hours, r.min_employment_rate,
        r.share_on_certificate, r.bonus_amount, r.bonus_within_days, r.no_repeat,
        CASE r.kind
            WHEN 'per_person' THEN r.amount + coalesce(r.bonus_amount, 0)
            WHEN 'per_person_year' THEN r.amount * ceil((date_diff('day', c.start_date, c.end_date) + 1) / 365.0)
            WHEN 'per_day' THEN r.amount * least(c.days, coalesce(r.first_days, c.days))
                              + coalesce(r.amount_after, r.amount) * greatest(0, c.days - coalesce(r.first_days, c.days))
            WHEN 'per_hour' THEN r.amount * c.hours
        END AS standard_amount,
        CASE r.kind
            WHEN 'per_day' THEN r.amount * least(c.days, coalesce(r.max_days, c.days), coalesce(r.first_days, c.days))
                              + coalesce(r.amount_after, r.amount)
                                * greatest(0, least(c.days, coalesce(r.max_days, c.days)) - coalesce(r.first_days, c.days))
            WHEN 'per_hour' THEN CASE WHEN r.cap_per = 'record' THEN least(r.amount * c.hours, r.cap) ELSE r.amount * c.hours END
        END AS record_limited
    FROM completions_all AS c
    LEFT JOIN rule_of_record AS r USING (record_id)
),
certified_dates AS (
    SELECT record_id, certified_on
    FROM subsidy_certified_dates
    WHERE in_person_part(person_bucket, p_part, p_parts)
),
bonus_dates AS (
    -- 000 (十四): the first skill certificate in the training's occupation from start_date to bonus_within_days after end_date
    SELECT s.record_id, min(x.issue_date) AS bonus_on
    FROM standard_amounts AS s
    JOIN subsidy_certificate_inputs AS x
      ON in_person_part(x.person_bucket, p_part, p_parts)  -- the same person: the same part
     AND x.person_id = s.person_id AND x.occupation = s.occupation
     AND x.cert_type IN ('qualification', 'skill_level')
     AND x.issue_date BETWEEN s.start_date AND s.end_date + s.bonus_within_days
    WHERE s.bonus_amount IS NOT NULL
    GROUP BY ALL
),
repeat_dates AS (
    -- no_repeat (003 四(一)): a record is a repeat from the first end_date of an earlier record (by start_date,
    -- end_date, record_id) of the same person, line, occupation and level started in the same year
    SELECT
        c.priced_from,
        c.record_id,
        min(c.end_date) OVER (
            PARTITION BY c.priced_from, c.person_id, c.training_type, c.occupation, c.skill_level, c.start_year
            ORDER BY c.start_date, c.end_date, c.record_id
            ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING
        ) AS repeat_on
    FROM completions AS c
    JOIN rule_of_record AS r USING (record_id)
    WHERE r.no_repeat
),
class_timeline AS (
    SELECT * FROM subsidy_class_timeline
),
platform_tier_changes AS (
    SELECT * FROM subsidy_platform_tier_changes
),
window_keys AS (
    -- a record's class and repeat year read the pricing start only when they began before it
    SELECT
        c.priced_from,
        s.*,
        CASE WHEN c.start_date < c.priced_from THEN c.priced_from ELSE DATE '0001-01-01' END AS lookup_from
    FROM completions AS c
    JOIN standard_amounts AS s USING (record_id)
),
own_points AS (
    -- the dates where a record's own pricing can change, never before its end_date
    SELECT DISTINCT priced_from, record_id, greatest(point, end_date) AS point
    FROM (
        SELECT priced_from, record_id, end_date, end_date AS point FROM window_keys
        UNION ALL
        SELECT priced_from, record_id, end_date, end_date + 90 FROM window_keys WHERE share_on_certificate IS NOT NULL
        UNION ALL
        SELECT k.priced_from, k.record_id, k.end_date, d.certified_on
        FROM window_keys AS k JOIN certified_dates AS d USING (record_id)
        WHERE k.share_on_certificate IS NOT NULL
        UNION ALL
        SELECT k.priced_from, k.record_id, k.end_date, b.bonus_on
        FROM window_keys AS k JOIN bonus_dates AS b USING (record_id)
        UNION ALL
        SELECT priced_from, record_id, end_date, end_date + bonus_within_days FROM window_keys WHERE bonus_amount IS NOT NULL
        UNION ALL
        SELECT k.priced_from, k.record_id, k.end_date, q.repeat_on
        FROM window_keys AS k
        JOIN repeat_dates AS q ON q.priced_from = k.lookup_from AND q.record_id = k.record_id
        WHERE q.repeat_on IS NOT NULL
        UNION ALL
        SELECT k.priced_from, k.record_id, k.end_date, unnest([t.last_end, t.last_end + 90])
        FROM window_keys AS k
        JOIN class_timeline AS t
          ON t.priced_from = k.lookup_from AND t.institution_id = k.institution_id AND t.occupation = k.occupation
         AND t.start_date = k.start_date AND t.training_type = k.training_type
        WHERE k.min_employment_rate IS NOT NULL
        UNION ALL
        SELECT k.priced_from, k.record_id, k.end_date, p.changed_on
        FROM window_keys AS k
        JOIN platform_tier_changes AS p ON p.institution_id = k.institution_id AND p.end_year = k.end_year
        WHERE k.training_type = 'online'
    )
),
record_points AS (
    -- a person-line-year cap (cap_per = person_year) makes a record's amount depend on the earlier records' amounts
    -- at the same D: the records of such a partition are priced at every point of the partition from their end_date
    SELECT o.priced_from, o.record_id, o.point
    FROM own_points AS o
    JOIN window_keys AS k USING (priced_from, record_id)
    WHERE k.cap_per IS DISTINCT FROM 'person_year'
    UNION
    SELECT k.priced_from, k.record_id, o.point
    FROM window_keys AS k
    JOIN window_keys AS mate
      ON mate.priced_from = k.priced_from AND mate.person_id = k.person_id AND mate.training_type = k.training_type
     AND mate.end_year = k.end_year AND mate.cap_per = 'person_year'
    JOIN own_points AS o ON o.priced_from = mate.priced_from AND o.record_id = mate.record_id AND o.point >= k.end_date
    WHERE k.cap_per = 'person_year'
),
evaluation_points AS (
    -- each point holds until the record's next one (the segment's end; computed on these narrow rows)
    SELECT *, lead(point) OVER (PARTITION BY priced_from, record_id ORDER BY point) AS valid_until
    FROM record_points
),
online_factors AS (
    -- the tier of the platform's offline share at the point, in force on the course's end_date (the highest reached)
    SELECT e.priced_from, e.record_id, e.point, max_by(o.factor, o.min_offline_share) AS tier_factor
    FROM evaluation_points AS e
    JOIN window_keys AS k USING (priced_from, record_id)
    LEFT JOIN subsidy_platform_shares AS p
      ON p.institution_id = k.institution_id AND p.end_year = k.end_year
     AND p.share_from <= e.point AND (p.share_until IS NULL OR p.share_until > e.point)
    JOIN subsidy_rules AS o
      ON o.kind = 'online_tier'
     AND k.end_date BETWEEN o.valid_from AND coalesce(o.valid_to, DATE '9999-12-31')
     AND coalesce(p.offline_share, 0) >= o.min_offline_share - 1e-12
    JOIN unit_members AS m ON m.unit_code = o.scope_code AND m.county_code = k.county_code
    WHERE k.training_type = 'online'
    GROUP BY ALL
),
conditions AS (
    -- each condition as it stands at the point (the point plays the definition's D)
    SELECT
        k.*,
        e.point,
        e.valid_until,
        k.end_date + 90 <= e.point AS outcome_due,
        t.last_end + 90 <= e.point AS class_due,
        t.class_rate,
        q.repeat_on <= e.point AS is_repeat,
        (k.passed IS TRUE OR coalesce(d.certified_on <= e.point, false)) AS certified,
        coalesce(b.bonus_on <= e.point, false) AS bonus_earned,
        f.tier_factor
    FROM evaluation_points AS e
    JOIN window_keys AS k USING (priced_from, record_id)
    LEFT JOIN class_timeline AS t
      ON k.min_employment_rate IS NOT NULL AND t.priced_from = k.lookup_from AND t.institution_id = k.institution_id
     AND t.occupation = k.occupation AND t.start_date = k.start_date AND t.training_type = k.training_type
     AND t.last_end <= e.point AND (t.next_end IS NULL OR t.next_end > e.point)
    LEFT JOIN repeat_dates AS q ON q.priced_from = k.lookup_from AND q.record_id = k.record_id
    LEFT JOIN certified_dates AS d ON k.share_on_certificate IS NOT NULL AND d.record_id = k.record_id
    LEFT JOIN bonus_dates AS b ON b.record_id = k.record_id
    LEFT JOIN online_factors AS f ON f.priced_from = e.priced_from AND f.record_id = e.record_id AND f.point = e.point
),
blocked AS (
    -- a reason that leaves the record nothing at all
    SELECT
        *,
        CASE
            WHEN rule_id IS NULL THEN 'no_rule'
            WHEN is_repeat THEN 'repeat_training'
            WHEN hours < min_hours THEN 'below_min_hours'
            WHEN kind = 'per_hour' AND passed IS NOT TRUE THEN 'not_passed'
            WHEN share_on_certificate IS NOT NULL AND NOT certified THEN 'not_certified'
            WHEN min_employment_rate IS NOT NULL AND NOT class_due THEN 'outcome_not_due'
            WHEN min_employment_rate IS NOT NULL AND class_rate < min_employment_rate - 1e-12 THEN 'employment_below'
        END AS blocked_reason
    FROM conditions
),
conditional AS (
    -- what the conditions let the record earn before any person cap, and the reason for a partial payment
    SELECT
        *,
        CASE
            WHEN blocked_reason IS NOT NULL THEN 0
            WHEN share_on_certificate IS NOT NULL THEN record_limited
                * (share_on_certificate + CASE WHEN outcome_due AND employed IS TRUE THEN 1 - share_on_certificate ELSE 0 END)
            WHEN bonus_amount IS NOT NULL THEN rate + CASE WHEN bonus_earned THEN bonus_amount ELSE 0 END
            WHEN kind = 'per_hour' THEN record_limited
                * CASE WHEN person_category = 'enterprise_employee' THEN 1.0 ELSE tier_factor END
            WHEN kind = 'per_day' THEN record_limited
            ELSE standard_amount
        END AS conditional_amount,
        CASE
            WHEN blocked_reason IS NOT NULL THEN NULL
            WHEN share_on_certificate IS NOT NULL AND NOT outcome_due THEN 'outcome_not_due'
            WHEN share_on_certificate IS NOT NULL AND employed IS NOT TRUE THEN 'not_employed'
            WHEN bonus_amount IS NOT NULL AND NOT bonus_earned AND end_date + bonus_within_days > point THEN 'bonus_pending'
            WHEN bonus_amount IS NOT NULL AND NOT bonus_earned THEN 'no_certificate'
            WHEN kind = 'per_hour' AND person_category IS DISTINCT FROM 'enterprise_employee' AND tier_factor < 1 THEN 'offline_share_low'
        END AS partial_reason
    FROM blocked
),
person_capped AS (
    -- cap_per = person_year: a person's earnings on a line in a calendar year stop at the cap (in end_date order)
    SELECT
        *,
        least(cap, sum(conditional_amount) OVER person_line)
        - least(cap, coalesce(sum(conditional_amount) OVER person_line - conditional_amount, 0)) AS amount
    FROM conditional
    WHERE cap_per = 'person_year'
    WINDOW person_line AS (
        PARTITION BY priced_from, person_id, training_type, end_year, point ORDER BY end_date, record_id
        ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
    )
    UNION ALL
    SELECT *, conditional_amount AS amount FROM conditional WHERE cap_per IS DISTINCT FROM 'person_year'
),
training_segments AS (
    SELECT
        priced_from,
        year(partition_first_start)                AS first_start_year,
        point                                      AS valid_from,
        valid_until,
        'training'                                 AS record_kind,
        record_id,
        person_id,
        county_code,
        institution_id,
        training_type                              AS line,
        training_type                              AS type_code,
        skill_level,
        occupation,
        start_date,
        end_date                                   AS event_date,
        hours,
        days,
        rule_id,
        source,
        CAST(coalesce(standard_amount, 0) AS DECIMAL(14, 2)) AS standard_amount,
        CAST(round(coalesce(amount, 0), 2) AS DECIMAL(14, 2)) AS amount,
        CASE
            WHEN blocked_reason IS NOT NULL THEN blocked_reason
            WHEN partial_reason IS NOT NULL THEN partial_reason
            WHEN amount < standard_amount - 1e-9 THEN 'cap_reached'
        END                                        AS reason,
        class_rate,
        -- the platform's share is shown for every online course with a standard (read at D from subsidy_platform_shares)
        training_type = 'online' AND rule_id IS NOT NULL AS shows_offline_share
    FROM person_capped
    -- a plan's pricing start keeps only the records it changes; the others are read from 0001-01-01
    WHERE priced_from = DATE '0001-01-01' OR partition_first_start < priced_from
),
certificate_segments AS (
    -- a certificate's price depends only on the person's earlier certificates: one segment from its issue date
    SELECT
        DATE '0001-01-01' AS priced_from,
        CAST(NULL AS BIGINT) AS first_start_year,
        event_date AS valid_from,
        CAST(NULL AS DATE) AS valid_until,
        * EXCLUDE (class_rate, offline_share),
        class_rate,
        false AS shows_offline_share
    FROM subsidy_certificates_priced_of(DATE '9999-12-31', p_part, p_parts)
)
SELECT s.*, g.parent_code AS city_code
FROM (
    SELECT * FROM training_segments
    UNION ALL BY NAME
    SELECT * FROM certificate_segments
) AS s
LEFT JOIN regions AS g ON g.code = s.county_code;

-- the definition over everyone at once (tests compare the version aggregate subsidy_segments with it)
CREATE OR REPLACE VIEW subsidy_segment_series AS SELECT * FROM subsidy_segment_series_of(0, 1);

-- A plan's window as of D for the subsidy records: dated from the plan's start to min(deadline, D), priced from
-- 1 January of the year before the start (see subsidy_segment_series: priced_from). D past the latest business date
-- L of the extract (last completion or certificate: the priced records' latest date) is L (CONTRACT §4 data coverage).
CREATE OR REPLACE MACRO subsidy_plan_window(p_plan, p_as_of) AS TABLE
WITH data_until AS (
    SELECT least(CAST(p_as_of AS DATE), (SELECT max(event_date) FROM subsidy_segments)) AS as_of
)
SELECT
    p.start,
    least(p.deadline, d.as_of)         AS until,
    d.as_of,
    make_date(year(p.start) - 1, 1, 1) AS priced_from
FROM plans AS p, data_until AS d
WHERE p.plan_id = p_plan;

-- Whether a segment (of subsidy_segments or a row of subsidy_segment_totals) counts for a plan window w as of D:
-- dated in the window, holding at D, and priced from the plan's pricing start (its own rows, or the rows priced over
-- every completion where that start changes nothing).
CREATE OR REPLACE MACRO subsidy_segment_holds(
    priced_from, first_start_year, event_date, valid_from, valid_until, w_start, w_until, w_as_of, w_priced_from
) AS
    event_date BETWEEN w_start AND w_until
    AND valid_from <= w_as_of AND coalesce(valid_until, DATE '9999-12-31') > w_as_of
    AND (priced_from = w_priced_from
         OR (priced_from = DATE '0001-01-01' AND coalesce(first_start_year, 9999) >= year(w_priced_from)));

-- The records of the point-in-time subsidy_priced_at (tests/reference) read from the version aggregate: the segment of each record that holds at D, for
-- the plan's pricing start, with the platform's offline share at D. p_short_only: only the records that earn less
-- than their standard at D (reason set) or nothing (amount 0), read from subsidy_short_segments
-- (queries/aggregates/43), which holds only those segments: at most one segment of a record holds at D, so leaving
-- out the other segments before the hold is tested changes nothing.
-- p_short_only must be a constant (a literal or a bound parameter): DuckDB then drops the other source unread.
CREATE OR REPLACE MACRO subsidy_priced_of(p_plan, p_as_of, p_short_only) AS TABLE
WITH plan_window AS (
    SELECT * FROM subsidy_plan_window(p_plan, p_as_of)
),
segments AS (
    SELECT * FROM subsidy_segments WHERE NOT p_short_only
    UNION ALL
    SELECT * FROM subsidy_short_segments WHERE p_short_only
),
shares_at AS (
    -- each platform-year's offline share at D
    SELECT sh.institution_id, sh.end_year, sh.offline_share
    FROM subsidy_platform_shares AS sh, plan_window AS w
    WHERE sh.share_from <= w.as_of AND coalesce(sh.share_until, DATE '9999-12-31') > w.as_of
)
SELECT
    s.* EXCLUDE (priced_from, first_start_year, valid_from, valid_until, shows_offline_share, city_code),
    CASE WHEN s.shows_offline_share THEN coalesce(sh.offline_share, 0) END AS offline_share,
    s.city_code
FROM segments AS s
JOIN plan_window AS w
  ON s.event_date BETWEEN w.start AND w.until
 AND subsidy_segment_holds(
     s.priced_from, s.first_start_year, s.event_date, s.valid_from, s.valid_until, w.start, w.until, w.as_of, w.priced_from
 )
LEFT JOIN shares_at AS sh
  ON s.shows_offline_share AND sh.institution_id = s.institution_id AND sh.end_year = year(s.event_date);

CREATE OR REPLACE MACRO subsidy_priced(p_plan, p_as_of) AS TABLE
SELECT * FROM subsidy_priced_of(p_plan, p_as_of, false);

-- subsidy_priced's records that earn less than their standard at D (reason set) or nothing: subsidy_unpaid's and the
-- short or unpaid records' source
CREATE OR REPLACE MACRO subsidy_priced_short(p_plan, p_as_of) AS TABLE
SELECT * FROM subsidy_priced_of(p_plan, p_as_of, true);

-- The segments summed per county, institution, line and date with the same validity (what subsidy_summary and
-- subsidy_pace add up: records by payment state, standard and entitled amounts). The version aggregate
-- subsidy_segment_totals (queries/aggregates/42) is this view written once per data version.
CREATE OR REPLACE VIEW subsidy_segment_total_series AS
SELECT
    priced_from, first_start_year, county_code, institution_id, line, record_kind, event_date, valid_from, valid_until,
    count(*)                                                          AS records,
    count(*) FILTER (WHERE amount > 0 AND amount >= standard_amount)  AS paid_records,
    count(*) FILTER (WHERE amount > 0 AND amount < standard_amount)   AS partial_records,
    count(*) FILTER (WHERE amount = 0)                                AS unpaid_records,
    sum(standard_amount)                                              AS standard_amount,
    sum(amount)                                                       AS entitled
FROM subsidy_segments
GROUP BY ALL;

-- subsidy_priced summed per county, institution, line and date (the same sums as grouping subsidy_priced's records).
CREATE OR REPLACE MACRO subsidy_priced_totals(p_plan, p_as_of) AS TABLE
SELECT
    t.county_code, t.institution_id, t.line, t.record_kind, t.event_date,
    t.records, t.paid_records, t.partial_records, t.unpaid_records, t.standard_amount, t.entitled
FROM subsidy_segment_totals AS t
JOIN subsidy_plan_window(p_plan, p_as_of) AS w
  ON t.event_date BETWEEN w.start AND w.until
 AND subsidy_segment_holds(
      t.priced_from, t.first_start_year, t.event_date, t.valid_from, t.valid_until, w.start, w.until, w.as_of, w.priced_from
  );
