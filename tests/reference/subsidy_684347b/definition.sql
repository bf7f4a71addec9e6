-- The point-in-time definition of 资金测算's pricing (003, 000), as it stood before the pricing became segments over
-- the as-of date (queries/models/65_subsidy_segments.sql, read by every page). No page reads this: it is the rule
-- written for one as-of date D, and tests/test_agg_subsidy.py proves the segments equal to it for every plan, as-of
-- date and query (with the queries of commit 684347b beside this file). Certificates are priced by the model's own
-- subsidy_certificates_priced (60_subsidy.sql): one definition, used by both.

-- Every completed training with p_from ≤ end_date ≤ D: its standard amount, what it earns as of D, and why not
-- more. Earlier completions neither are priced nor count toward caps, repeats, classes or platform shares, so p_from
-- must lie a calendar year before the first record wanted (subsidy_priced passes 1 January of the year before).
CREATE OR REPLACE MACRO subsidy_training_priced(p_from, p_as_of) AS TABLE
WITH completions AS MATERIALIZED (
    SELECT
        t.*,
        CAST(ceil(t.hours / 8.0) AS INTEGER) AS days,
        year(t.start_date)                   AS start_year,
        year(t.end_date)                     AS end_year,
        t.end_date + 90 <= p_as_of           AS outcome_due
    FROM completed_training AS t
    WHERE t.end_date BETWEEN p_from AND p_as_of
),
rule_of_record AS MATERIALIZED (
    -- the standard in force on end_date for the line where the training counts; the most local scope wins
    SELECT c.record_id, r.*
    FROM completions AS c
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
online_tiers AS (
    SELECT valid_from, valid_to, scope_code, min_offline_share, factor FROM subsidy_rules WHERE kind = 'online_tier'
),
class_outcomes AS (
    -- order/project employment per class: employed ÷ completers, judged once every completer's outcome is due
    SELECT
        institution_id, occupation, start_date, training_type,
        bool_and(outcome_due)                                         AS class_due,
        count(*) FILTER (WHERE employed IS TRUE) / count(*)           AS class_rate
    FROM completions
    WHERE training_type = 'order_project'
    GROUP BY ALL
),
online_claimants AS (
    -- persons an online platform claims for in a year (passed); enterprise employees are not counted (003 四(四))
    SELECT DISTINCT institution_id, end_year, person_id, end_date
    FROM completions
    WHERE training_type = 'online' AND passed IS TRUE AND person_category IS DISTINCT FROM 'enterprise_employee'
),
platform_shares AS (
    -- share of a platform's claimants who went on to an offline training after their online course (by D)
    SELECT
        o.institution_id,
        o.end_year,
        count(DISTINCT o.person_id) FILTER (WHERE EXISTS (
            SELECT 1 FROM training AS f
            WHERE f.person_id = o.person_id AND f.training_type <> 'online' AND f.status <> 'dropped'
              AND f.start_date >= o.end_date AND f.start_date <= p_as_of
        )) / count(DISTINCT o.person_id) AS offline_share
    FROM online_claimants AS o
    GROUP BY ALL
),
online_factors AS (
    -- the tier of the platform's offline share in force on the course's end_date (the highest tier reached)
    SELECT c.record_id, max_by(o.factor, o.min_offline_share) AS tier_factor
    FROM completions AS c
    LEFT JOIN platform_shares AS p ON p.institution_id = c.institution_id AND p.end_year = c.end_year
    JOIN online_tiers AS o
      ON c.end_date BETWEEN o.valid_from AND coalesce(o.valid_to, DATE '9999-12-31')
     AND coalesce(p.offline_share, 0) >= o.min_offline_share - 1e-12
    JOIN unit_members AS m ON m.unit_code = o.scope_code AND m.county_code = c.county_code
    WHERE c.training_type = 'online'
    GROUP BY c.record_id
),
certified_records AS (
    -- a certificate by D that names the training (000: 80 % once the trainee is certified)
    SELECT DISTINCT training_record_id AS record_id
    FROM certificates
    WHERE training_record_id IS NOT NULL AND issue_date <= p_as_of
),
bonus_certificates AS (
    -- 000 (十四): a skill certificate in the training's occupation within bonus_within_days after end_date
    SELECT DISTINCT c.record_id
    FROM completions AS c
    JOIN rule_of_record AS r USING (record_id)
    JOIN certificates AS x
      ON x.person_id = c.person_id AND x.occupation = c.occupation
     AND x.cert_type IN ('qualification', 'skill_level')
     AND x.issue_date BETWEEN c.start_date AND least(c.end_date + r.bonus_within_days, p_as_of)
    WHERE r.bonus_amount IS NOT NULL
),
repeats AS (
    -- no_repeat: the same person, line, occupation and level in the year a training started (003 四(一))
    SELECT
        c.record_id,
        row_number() OVER (
            PARTITION BY c.person_id, c.training_type, c.occupation, c.skill_level, c.start_year
            ORDER BY c.start_date, c.end_date, c.record_id
        ) AS repeat_no
    FROM completions AS c
    JOIN rule_of_record AS r USING (record_id)
    WHERE r.no_repeat
),
standard_amounts AS (
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
        -- a record's own limits: days beyond max_days, a per-course cap
        CASE r.kind
            WHEN 'per_day' THEN r.amount * least(c.days, coalesce(r.max_days, c.days), coalesce(r.first_days, c.days))
                              + coalesce(r.amount_after, r.amount)
                                * greatest(0, least(c.days, coalesce(r.max_days, c.days)) - coalesce(r.first_days, c.days))
            WHEN 'per_hour' THEN CASE WHEN r.cap_per = 'record' THEN least(r.amount * c.hours, r.cap) ELSE r.amount * c.hours END
        END AS record_limited,
        q.repeat_no
    FROM completions AS c
    LEFT JOIN rule_of_record AS r USING (record_id)
    LEFT JOIN repeats AS q USING (record_id)
),
conditions AS (
    SELECT
        s.*,
        k.class_due, k.class_rate,
        -- the platform's share (shown for every online course; enterprise staff are paid in full regardless)
        CASE WHEN s.training_type = 'online' AND s.rule_id IS NOT NULL THEN coalesce(p.offline_share, 0) END
            AS offline_share,
        f.tier_factor,
        (s.passed IS TRUE OR cr.record_id IS NOT NULL) AS certified,
        b.record_id IS NOT NULL AS bonus_earned
    FROM standard_amounts AS s
    LEFT JOIN class_outcomes AS k
      ON s.min_employment_rate IS NOT NULL AND k.institution_id = s.institution_id AND k.occupation = s.occupation
     AND k.start_date = s.start_date AND k.training_type = s.training_type
    LEFT JOIN platform_shares AS p ON p.institution_id = s.institution_id AND p.end_year = s.end_year
    LEFT JOIN certified_records AS cr ON s.share_on_certificate IS NOT NULL AND cr.record_id = s.record_id
    LEFT JOIN bonus_certificates AS b ON b.record_id = s.record_id
    LEFT JOIN online_factors AS f ON f.record_id = s.record_id
),
blocked AS (
    -- a reason that leaves the record nothing at all
    SELECT
        *,
        CASE
            WHEN rule_id IS NULL THEN 'no_rule'
            WHEN repeat_no > 1 THEN 'repeat_training'
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
            WHEN bonus_amount IS NOT NULL AND NOT bonus_earned AND end_date + bonus_within_days > p_as_of THEN 'bonus_pending'
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
        PARTITION BY person_id, training_type, end_year ORDER BY end_date, record_id
        ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
    )
    UNION ALL
    SELECT *, conditional_amount AS amount FROM conditional WHERE cap_per IS DISTINCT FROM 'person_year'
)
SELECT
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
    offline_share
FROM person_capped;

-- The records a plan's funds are measured on: completed trainings and certificates dated in the plan's window
-- (plan start ≤ date ≤ min(D, deadline)), each priced as of D, with its city for roll-ups. CONTRACT §4 data
-- coverage: past the latest business date L in the extract (last completion or certificate), D is L — an outcome
-- is not taken as missing because the extract ends.
-- This is the definition, priced from the raw rows at one D (subsidy_training_priced, subsidy_certificates_priced);
-- pages read subsidy_priced, the same records filtered from the version aggregate subsidy_segments
-- (tests/test_agg_subsidy.py proves them equal).
CREATE OR REPLACE MACRO subsidy_priced_at(p_plan, p_as_of) AS TABLE
WITH data_until AS (
    SELECT least(
        CAST(p_as_of AS DATE),
        greatest((SELECT max(end_date) FROM completed_training), (SELECT max(issue_date) FROM certificates))
    ) AS as_of
),
plan_window AS (
    SELECT start, least(deadline, (SELECT as_of FROM data_until)) AS until FROM plans WHERE plan_id = p_plan
),
priced AS (
    SELECT * FROM subsidy_training_priced(
        (SELECT make_date(year(start) - 1, 1, 1) FROM plan_window), (SELECT as_of FROM data_until)
    )
    UNION ALL BY NAME
    SELECT * FROM subsidy_certificates_priced((SELECT as_of FROM data_until))
)
SELECT p.*, g.parent_code AS city_code
FROM priced AS p
JOIN plan_window AS w ON p.event_date BETWEEN w.start AND w.until
LEFT JOIN regions AS g ON g.code = p.county_code;
