-- $n new submission ids, in order.
SELECT nextval('submission_id_seq') AS id FROM range($n) ORDER BY id;
