INSERT INTO ingest_runs (started_at, finished_at, files, new, superseding, duplicate, rejected, recovered, errors, warnings, held)
VALUES ($started_at, current_localtimestamp(), $files, $new, $superseding, $duplicate, $rejected, $recovered,
        $errors, $warnings, $held);
