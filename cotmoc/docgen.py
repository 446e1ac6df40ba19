"""Writes docs/workbook.md from the contract module and the reference enumerations, so the document
stewards and province offices read can never drift from what the code checks
(`python -m cotmoc.docgen` rewrites it; a test fails when it is stale)."""
from __future__ import annotations

import sys
from pathlib import Path

from cotmoc.core import contract, reference

ROOT = Path(__file__).resolve().parent.parent
DOC_PATH = ROOT / "docs" / "workbook.md"
ANALYSTS_PATH = ROOT / "docs" / "analysts.md"
DICTIONARY_PATH = ROOT / "docs" / "data-dictionary.md"
QUERIES_DIR = ROOT / "docs" / "queries"

_KIND_VI = {
    contract.TEXT: "chữ / text", contract.INT: "số nguyên ≥ 0 / whole number ≥ 0",
    contract.KM: "số thập phân ≥ 0, 3 chữ số lẻ / decimal ≥ 0, three decimals",
    contract.DATE: "ngày / date", contract.ENUM: "chọn trong danh mục / one of a list",
    contract.PROVINCE: "tỉnh / province", contract.PERIOD: "kỳ báo cáo / period code",
    contract.YEAR: "năm / year (e.g. 2013)",
}

_INTRO = f"""# The report workbook (template version {contract.TEMPLATE_VERSION})

*Generated from `cotmoc/core/contract.py` and `warehouse/reference/enumerations.csv` by `python -m cotmoc.docgen`;
do not edit by hand.*

One `.xlsx` per province per period (`.xlsm`, `.xls` and `.ods` are read too). Get a blank one with
`cotmoc template -o mau.xlsx` (add `--province "Điện Biên" --period 2024` to pre-fill it).

**Layout.** Each table sheet has a title in row {contract.TITLE_ROW}, the Vietnamese labels in row
{contract.LABEL_ROW}, the machine codes in row {contract.CODE_ROW}, and data from row {contract.FIRST_DATA_ROW}.
The sheet `thong_tin` is a form: label in column A, machine code in column B, value in column C. cotmoc finds
sheets and columns **by machine code**: labels may be reworded and columns reordered, but a code must never be
changed (rows 1–3 are protected, without a password).

**Numbers typed as text** are read the Vietnamese way: `.` groups thousands (`2.789` → 2789), `,` marks
decimals (`365,861` → 365.861); a unit that matches the column (`km`, `hộ`, `người`) may follow. Each such
repair is accepted with a warning on its cell. Text that cannot be read without guessing (`3.8 16`, `12,5,3`)
is an error. A row whose first text says "Tổng cộng" / "Cộng" is a totals row and is not counted.

**Periods**: `2024` (year report), `2024S1` (first half-year), `2024S2` (second half-year). A half-year report
and the year report are separate submissions and are never added together.

**Versions.** cotmoc reads template versions {", ".join(sorted(contract.KNOWN_TEMPLATE_VERSIONS))} side by side
(`thong_tin` / `template_version` says which a file is); any other version is refused. Version 2 adds the
optional sheet `hoat_dong` (activities) and four optional `thong_tin` fields (column "template" below: the version that added each); a version 1
file simply has none of them, and its activities count as *not reported* (NULL), never as 0. A version 2 file
that lacks a sheet, column or field of version 2 is accepted with a warning that says so (it was most likely
copied from an older template); a version 1 file is never told about version 2.
The period cell's dropdown lists the valid codes, newest first.

**Formulas** are read by the result the spreadsheet saved with them (an empty text result, as
`=IF(D5>0;"";"thiếu")` gives, is a result); a formula saved without any result is an error on its cell.

**Printing**: every sheet prints on A4 landscape, fitted to the page width, with its header rows repeated.
"""

_RULES = {
    "doan_bien_gioi": "Per province and border, the sum of `length_km` may not exceed the border's total length, "
                      "nor `markers` the total markers (reference data); the same marker may not be claimed by "
                      "two stretches.",
    "khen_thuong": "A row with both counts 0 is an error.",
    "to_tu_quan": "`members` may not be fewer than `teams`.",
    "thong_tin": "The period may not be in the future; the report date may not be before the period starts; the "
                 "template version must be one cotmoc reads. `communes_covered` may not exceed `communes_total`; "
                 "the border communes the report gives may not exceed the province's border communes in the "
                 "reference list (a warning while that list is unverified, an error once it is verified).",
    "hoat_dong": "Optional: leave the sheet empty when there is nothing to report (not 0). One row per activity "
                 "kind. For propaganda, `people` (attendances) may not be fewer than `count` (sessions). A row "
                 "whose figures are all 0 is an error. `since` is the year counting starts, for cumulative "
                 "figures (e.g. mass models built since 2013); it may not be after the period.",
}


def render() -> str:
    out = [_INTRO]
    for sheet in contract.SHEETS:
        out.append(f"## Sheet `{sheet.code}` — {sheet.title_vi} / {sheet.title_en}\n")
        if sheet.since > 1:
            out.append(f"*Template version {sheet.since} and later; the sheet is optional.*\n")
        out.append("| code | nhãn (label) | meaning | kind | required | template |")
        out.append("|---|---|---|---|---|---|")
        for c in sheet.columns:
            kind = _KIND_VI[c.kind] + (f" (`{c.enum}`)" if c.enum else "")
            out.append(f"| `{c.code}` | {c.label_vi} | {c.label_en} | {kind} | {'bắt buộc / yes' if c.required else ''} "
                       f"| v{c.since} |")
        out.append(f"\n{_RULES[sheet.code]}\n")
    out.append("## Lists (danh mục)\n")
    for name in ("team_type", "border", "issuer", "award_form", "activity"):
        out.append(f"### `{name}`\n")
        out.append("| code | nhãn trong danh sách chọn (dropdown label) | English |")
        out.append("|---|---|---|")
        for v in reference.enumeration(name):
            out.append(f"| `{v.code}` | {v.label_vi} | {v.label_en} |")
        out.append("")
    return "\n".join(out)


_ANALYSTS_INTRO = """# For analysts: querying the warehouse

*Generated by `python -m cotmoc.docgen` from the tested queries in `docs/queries/`; do not edit by hand.*

Open the **published copy** `warehouse/cotmoc.published.duckdb`, read-only: `cotmoc rollup` (and `make demo`)
writes it beside the warehouse and swaps it in atomically, so a long query never blocks a load and a load never
breaks a query: your connection keeps the copy it opened. **To see newer data, close every connection to the file
in your process, then connect again.** Within one process DuckDB keeps one database per path while any
connection to it is open, so a new `duckdb.connect(...)` beside a connection still open (another notebook cell,
a forgotten `con`) returns the same old copy; closing them all (or restarting the notebook's kernel) is what
opens the new one. The live `warehouse/cotmoc.duckdb` belongs to the ingest flow: DuckDB allows one writing
process *or* readers, never both, so a connection held open on it makes the next load wait, then stop (exit 3).

- **Python**: `import duckdb; con = duckdb.connect("warehouse/cotmoc.published.duckdb", read_only=True);
  con.sql("select * from national_segments").df()`
- **DuckDB CLI** (the `duckdb` binary, 1.2 or newer): `duckdb -readonly warehouse/cotmoc.published.duckdb`
- **A SQL client** (DBeaver, DataGrip, ...): add a DuckDB connection to the file and tick "read-only".
- **Parquet**: `exports/<period>/<view>.parquet` holds each view for one period, rows in Vietnamese order of the
  names. Each column's description from the data dictionary is in the file's schema
  (`pyarrow.parquet.read_schema(path).field("length_km").metadata[b"description"]`; also `description_vi`,
  `description_en`, and all of them as JSON in the schema metadata `cotmoc.column_descriptions`).
- **CSV** (`cotmoc rollup --csv`): `<view>.csv` is the machine form (column names, `.` decimals), UTF-8 with a
  byte-order mark so Excel shows Vietnamese correctly; `<view>.vi.csv` is for Vietnamese Excel: Vietnamese
  headers, names instead of codes (team types, issuers, award forms, borders, status), `,` decimals, `;` between
  fields, dates as dd/mm/yyyy — open it with a double click.

The views, their grain and their columns: `warehouse/README.md` and `docs/data-dictionary.md` (the same comments
are in the database: `select table_name, column_name, comment from duckdb_columns()`). Remember: half-year
(`2024S1`, `2024S2`) and year (`2024`) periods are never added together; `province_code` is the province as it
is today, `reporting_province_code` the one that reported (before the July 2025 merger it may differ).

Published figures: quote `national_teams_approved`, `national_segments_approved` and `national_awards_approved`.
They count only what the office approved (`cotmoc approve`), as it stood when approved, whatever arrived since;
every view ends with `approval_status` (`approved`, `changed_since_approval`, `not_approved`) and `approved_at`.
Timeliness and reporting rates per period: `completeness` (`days_after_deadline`, `on_time`) and `reporting_rates`.

## {count} questions, answered in SQL
Each query below is a file in `docs/queries/`, run by the test suite against a warehouse loaded with sample
reports, so they keep working as the warehouse evolves.
"""


_COUNT_EN = {10: "Ten", 11: "Eleven", 12: "Twelve", 13: "Thirteen"}


def _title(sql: str) -> str:
    return sql.splitlines()[0].removeprefix("--").strip()


def render_analysts() -> str:
    queries = sorted(QUERIES_DIR.glob("*.sql"))
    out = [_ANALYSTS_INTRO.replace("{count}", _COUNT_EN.get(len(queries), str(len(queries))))]
    for i, path in enumerate(sorted(QUERIES_DIR.glob("*.sql")), start=1):
        sql = path.read_text(encoding="utf-8").strip()
        out.append(f"### {i}. {_title(sql)}\n\n`docs/queries/{path.name}`\n\n```sql\n{sql}\n```\n")
    return "\n".join(out)


def render_dictionary() -> str:
    """The in-database comments of every table, view and column, as a page."""
    import duckdb

    from cotmoc.warehouse.db import migrate, query
    con = duckdb.connect()
    migrate(con)
    objects = con.execute(query("main_objects")).fetchall()
    out = ["# Data dictionary", "",
           "*Generated by `python -m cotmoc.docgen` from the comments inside the warehouse "
           "(`warehouse/dictionary.csv`); do not edit by hand.*", ""]
    for name, kind, comment in objects:
        out += [f"## `{name}` ({kind})", "", comment or "", "", "| column | type | meaning |", "|---|---|---|"]
        for column, dtype, text in con.execute(query("object_columns"), {"name": name}).fetchall():
            out.append(f"| `{column}` | {dtype} | {text or ''} |")
        out.append("")
    macros = con.execute("""SELECT function_name, parameters, comment FROM duckdb_functions()
                            WHERE function_type = 'table_macro' AND NOT internal AND schema_name = 'main'
                              AND comment IS NOT NULL ORDER BY function_name""").fetchall()
    if macros:
        out += ["## Table macros", "", "Called like a table: `FROM national_teams_as_approved(7)`; the columns are "
                "those of the view named in the description.", "", "| macro | meaning |", "|---|---|"]
        out += [f"| `{name}({', '.join(params)})` | {comment} |" for name, params, comment in macros]
        out.append("")
    con.close()
    return "\n".join(out)


PAGES = {DOC_PATH: render, ANALYSTS_PATH: render_analysts, DICTIONARY_PATH: render_dictionary}


def main() -> int:
    for path, renderer in PAGES.items():
        path.write_text(renderer(), encoding="utf-8")
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
