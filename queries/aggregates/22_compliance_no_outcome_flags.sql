-- Completions without a pass flag (no_outcome), each with the date a certificate first clears it
-- 001: 参加财政补贴性培训，要按规定取得相应证书. One row per completed training without passed = true; cleared_on
-- is the earliest issue date of a certificate that names the training, or is in its occupation and issued since its
-- start (NULL: none yet). As of D the check lists the rows with end_date <= D AND (cleared_on IS NULL OR cleared_on > D).
WITH completions_not_passed AS (
    SELECT t.*, year(t.end_date) AS year
    FROM training AS t
    WHERE t.status = 'completed' AND t.end_date IS NOT NULL AND t.passed IS DISTINCT FROM TRUE
),
first_certificates AS (
    -- the first certificate that counts as the training's outcome
    SELECT t.record_id, min(c.issue_date) AS cleared_on
    FROM completions_not_passed AS t
    JOIN certificates AS c ON c.person_id = t.person_id
    WHERE c.issue_date IS NOT NULL
      AND (c.training_record_id = t.record_id OR (c.occupation = t.occupation AND c.issue_date >= t.start_date))
    GROUP BY t.record_id
)
SELECT t.year, t.county_code, t.person_id, t.record_id, t.passed, t.institution_id, t.training_type, t.occupation,
       t.skill_level, t.start_date, t.end_date, f.cleared_on
FROM completions_not_passed AS t
LEFT JOIN first_certificates AS f USING (record_id)
ORDER BY t.year, t.county_code, t.end_date, t.record_id
