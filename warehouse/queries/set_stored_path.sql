UPDATE submissions SET stored_path = $stored_path WHERE submission_id = $submission_id;
