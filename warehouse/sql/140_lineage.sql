-- Lineage: from a rollup row back to the files, sheets and Excel rows behind it. Filter on the rollup
-- row's keys, e.g. WHERE period = '2016' AND province_code = 'dien_bien' AND border = 'VN-LA'.
CREATE OR REPLACE VIEW lineage_segments AS
SELECT c.period, c.province_code, c.reporting_province_code, f.border, c.submission_id, c.file_name, c.sha256,
       f.sheet, f.excel_row, f.commune, f.collective, f.length_km, f.markers, f.households, f.persons, c.approval_status,
       c.approved_at
FROM fact_segments f JOIN stg_current_submissions c USING (submission_id);

CREATE OR REPLACE VIEW lineage_teams AS
SELECT c.period, c.province_code, c.reporting_province_code, f.team_type, c.submission_id, c.file_name, c.sha256,
       f.sheet, f.excel_row, f.commune, f.teams, f.members, f.households, c.approval_status,
       c.approved_at
FROM fact_teams f JOIN stg_current_submissions c USING (submission_id);

CREATE OR REPLACE VIEW lineage_awards AS
SELECT c.period, c.province_code, c.reporting_province_code, f.issuer, f.award_form, c.submission_id, c.file_name,
       c.sha256, f.sheet, f.excel_row, f.decision_no, f.decision_date, f.collectives, f.individuals, c.approval_status,
       c.approved_at
FROM fact_awards f JOIN stg_current_submissions c USING (submission_id);
