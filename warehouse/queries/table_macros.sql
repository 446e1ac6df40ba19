-- The table macros cotmoc defines (analysts call them: national_teams_as_approved(7), ...), for their comments.
SELECT DISTINCT function_name FROM duckdb_functions()
WHERE function_type = 'table_macro' AND NOT internal AND schema_name = 'main';
