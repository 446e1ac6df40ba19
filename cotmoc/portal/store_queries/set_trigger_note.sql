UPDATE uploads SET trigger_note = :note WHERE upload_id = :upload_id;
