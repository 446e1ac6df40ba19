-- What a submission replaced (the report of the same province and period accepted before it).
SELECT submission_id, file_name, received_at, loaded_at FROM submissions WHERE superseded_by = $id;
