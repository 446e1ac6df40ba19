SELECT coalesce(comment, '') FROM duckdb_views() WHERE view_name = $view;
