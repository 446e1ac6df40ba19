-- `cotmoc status`: the newest steps of the approval trail for the periods shown.
SELECT * FROM approval_events WHERE list_contains($periods, period) ORDER BY event_id DESC LIMIT 20;
