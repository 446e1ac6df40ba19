INSERT INTO submissions (province_code, period, file_name, original_path, stored_path, sha256, size_bytes,
                         received_at, template_version, status, duplicate_of)
SELECT province_code, period, $file_name, $original_path, $stored_path, sha256, $size_bytes, $received_at,
       template_version, 'duplicate', submission_id
FROM submissions WHERE submission_id = $original_id
RETURNING submission_id;
