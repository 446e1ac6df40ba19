-- One step of the approval trail (approval_events is append-only: nothing ever updates or deletes it).
INSERT INTO approval_events (action, province_code, period, submission_id, replaced_ids, actor, reason)
VALUES ($action, $province_code, $period, $submission_id, $replaced_ids, $actor, $reason)
RETURNING event_id, event_at;
