-- 资金测算: subsidy the records are entitled to, by unit and line, against the plan's allocation (seed 003 六)
-- @param plan text required
-- @param as_of date optional
-- @param by text default=city
-- @param unit text optional
-- by: province | city | county (region units; allocation where the plan has a target) | institution (no allocation).
-- unit: only records in that region's counties (and, for regions, only units inside it). allocation_demo: the target
-- the allocation is computed from is a 示例 split (targets.csv source = demo).
WITH scope AS (
    SELECT county_code FROM counties_in_scope($unit)
),
priced AS (
    -- subsidy_priced's records summed per county, institution, line and date (version aggregate)
    SELECT p.*
    FROM subsidy_priced_totals($plan, $as_of) AS p
    WHERE p.county_code IN (SELECT county_code FROM scope)
),
priced_in_units AS (
    SELECT
        CASE WHEN $by = 'institution' THEN 'institution' ELSE m.unit_type END AS unit_type,
        CASE WHEN $by = 'institution' THEN p.institution_id ELSE m.unit_code END AS unit_code,
        p.*
    FROM priced AS p
    LEFT JOIN unit_members AS m ON m.county_code = p.county_code AND m.unit_type = $by
    WHERE $by = 'institution' OR m.unit_code IS NOT NULL
),
entitled_by_unit AS (
    SELECT
        unit_type,
        unit_code,
        CAST(sum(records) AS BIGINT)                                      AS records,
        CAST(sum(paid_records) AS BIGINT)                                 AS paid_records,
        CAST(sum(partial_records) AS BIGINT)                              AS partial_records,
        CAST(sum(unpaid_records) AS BIGINT)                               AS unpaid_records,
        sum(standard_amount)                                              AS standard_amount,
        sum(entitled)                                                     AS entitled,
        sum(entitled) FILTER (WHERE line = 'enterprise_staff')            AS entitled_enterprise_staff,
        sum(entitled) FILTER (WHERE line = 'apprenticeship')              AS entitled_apprenticeship,
        sum(entitled) FILTER (WHERE line = 'order_project')               AS entitled_order_project,
        sum(entitled) FILTER (WHERE line = 'key_group')                   AS entitled_key_group,
        sum(entitled) FILTER (WHERE line = 'online')                      AS entitled_online,
        sum(entitled) FILTER (WHERE line = 'caregiver_brand')             AS entitled_caregiver_brand,
        sum(entitled) FILTER (WHERE line = 'entrepreneurship')            AS entitled_entrepreneurship,
        sum(entitled) FILTER (WHERE line = 'school_directed')             AS entitled_school_directed,
        sum(entitled) FILTER (WHERE record_kind = 'training')             AS entitled_training,
        sum(entitled) FILTER (WHERE line = 'certificate')                 AS entitled_certificate
    FROM priced_in_units
    GROUP BY ALL
),
allocation_by_unit AS (
    SELECT
        unit_type,
        unit_code,
        sum(allocation) FILTER (WHERE line = 'training')    AS allocation_training,
        sum(allocation) FILTER (WHERE line = 'certificate') AS allocation_certificate,
        sum(allocation)                                     AS allocation,
        bool_or(demo)                                       AS allocation_demo
    FROM subsidy_allocation($plan)
    WHERE unit_type = $by
      AND unit_code IN (SELECT unit_code FROM unit_members WHERE county_code IN (SELECT county_code FROM scope))
    GROUP BY ALL
),
units AS (
    SELECT unit_type, unit_code FROM entitled_by_unit
    UNION
    SELECT unit_type, unit_code FROM allocation_by_unit
)
SELECT
    u.unit_type,
    u.unit_code,
    coalesce(n.name, i.institution_name, u.unit_code)    AS unit_name,
    CASE WHEN u.unit_type = 'county' THEN c.name END     AS city_name,
    coalesce(e.records, 0)                               AS records,
    coalesce(e.paid_records, 0)                          AS paid_records,
    coalesce(e.partial_records, 0)                       AS partial_records,
    coalesce(e.unpaid_records, 0)                        AS unpaid_records,
    coalesce(e.standard_amount, 0)                       AS standard_amount,
    coalesce(e.entitled, 0)                              AS entitled,
    coalesce(e.entitled_enterprise_staff, 0)             AS entitled_enterprise_staff,
    coalesce(e.entitled_apprenticeship, 0)               AS entitled_apprenticeship,
    coalesce(e.entitled_order_project, 0)                AS entitled_order_project,
    coalesce(e.entitled_key_group, 0)                    AS entitled_key_group,
    coalesce(e.entitled_online, 0)                       AS entitled_online,
    coalesce(e.entitled_caregiver_brand, 0)              AS entitled_caregiver_brand,
    coalesce(e.entitled_entrepreneurship, 0)             AS entitled_entrepreneurship,
    coalesce(e.entitled_school_directed, 0)              AS entitled_school_directed,
    coalesce(e.entitled_training, 0)                     AS entitled_training,
    coalesce(e.entitled_certificate, 0)                  AS entitled_certificate,
    a.allocation_training,
    a.allocation_certificate,
    a.allocation,
    coalesce(a.allocation_demo, false)                   AS allocation_demo,
    100.0 * coalesce(e.entitled, 0) / nullif(a.allocation, 0) AS used_pct
FROM units AS u
LEFT JOIN entitled_by_unit AS e USING (unit_type, unit_code)
LEFT JOIN allocation_by_unit AS a USING (unit_type, unit_code)
LEFT JOIN regions AS n ON u.unit_type <> 'institution' AND n.code = u.unit_code
LEFT JOIN regions AS c ON c.code = n.parent_code
LEFT JOIN subsidy_institution_names AS i ON u.unit_type = 'institution' AND i.institution_id = u.unit_code
ORDER BY CASE WHEN u.unit_type = 'institution' THEN -coalesce(e.entitled, 0) END, u.unit_code;
