-- A checked upload (cotmoc/portal/pages.py): what was sent and what the check found; submitted later.
INSERT INTO uploads (upload_id, account, province, uploaded_name, stored_name, sha256, size_bytes, uploaded_at,
                     check_ms, report_province, period, errors, warnings, result_json)
VALUES (:upload_id, :account, :province, :uploaded_name, :stored_name, :sha256, :size_bytes, :uploaded_at,
        :check_ms, :report_province, :period, :errors, :warnings, :result_json);
