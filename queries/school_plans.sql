-- Plans whose targets name school units (院校取证): newest first, with how many schools and which metrics
WITH school_targets AS (
    SELECT t.plan_id,
           count(DISTINCT t.unit_code) AS school_units,
           list(DISTINCT t.metric ORDER BY t.metric) AS metrics
    FROM targets AS t
    JOIN metrics AS m USING (metric)
    WHERE t.unit_type = 'school' AND m.computable
    GROUP BY t.plan_id
)
SELECT p.plan_id, p.name, p.document, p.start, p.deadline, st.school_units, st.metrics
FROM plans AS p
JOIN school_targets AS st USING (plan_id)
ORDER BY p.start DESC, p.plan_id;
