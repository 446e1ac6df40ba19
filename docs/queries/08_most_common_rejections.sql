-- Why files are rejected: the most common error rules, with an example message.
SELECT v.rule, count(*) AS problems, count(DISTINCT v.submission_id) AS files, any_value(v.message_vi) AS example
FROM validation_issues v JOIN submissions s USING (submission_id)
WHERE v.severity = 'error' AND s.status = 'rejected'
GROUP BY v.rule
ORDER BY problems DESC;
