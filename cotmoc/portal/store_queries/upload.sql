SELECT * FROM uploads WHERE upload_id = :upload_id;
