-- Macros, rebuilt on every open like the views.
-- Period helpers: '2016' → 2016-12-31, '2016S1' → 2016-06-30.
CREATE OR REPLACE MACRO period_end(p) AS
    CASE WHEN p LIKE '%S1' THEN make_date(CAST(left(p, 4) AS INTEGER), 6, 30)
         ELSE make_date(CAST(left(p, 4) AS INTEGER), 12, 31) END;
CREATE OR REPLACE MACRO period_kind(p) AS CASE WHEN p LIKE '%S_' THEN 'half' ELSE 'year' END;
