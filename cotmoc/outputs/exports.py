"""Writing one analyst view for one period, in the forms analysts open:
- Parquet whose schema carries the data dictionary's description of every column (field metadata
  `description`, `description_vi`, `description_en`) and of the view (schema metadata), so a notebook or a
  BI tool explains the columns without the dictionary at hand;
- CSV (machine column names, `.` decimals) with a UTF-8 byte-order mark, so Excel opens Vietnamese text
  as Vietnamese instead of mojibake; in both CSVs no text can run as a formula (cotmoc.core.inert);
- a labelled CSV (`<view>.vi.csv`) for Vietnamese Excel: Vietnamese headers, names instead of codes,
  `,` decimals and `;` between fields (what Excel with Vietnamese regional settings reads), dd/mm/yyyy.
Rows are in Vietnamese order of the names (COLLATE vi). The descriptions come from the comments the
warehouse carries (warehouse/dictionary.csv, applied by warehouse.db.apply_comments)."""
from __future__ import annotations

import csv
import json
import re
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from cotmoc.core.atomic import replacing
from cotmoc.core.display import enum_label
from cotmoc.core.inert import spreadsheet_text
from cotmoc.outputs.sql import query

BOM = "\ufeff"
_STATUS_VI = {"accepted": "Đã nhận", "rejected": "Bị từ chối", "missing": "Chưa gửi", "superseded": "Đã thay thế",
              "duplicate": "Trùng lặp"}
_ENUM_COLUMNS = {"team_type": "team_type", "issuer": "issuer", "award_form": "award_form"}


def _columns(con, view: str) -> list[tuple[str, str, str]]:
    """(name, type, 'Vietnamese — English' comment) of each column of `view`, in order."""
    return con.execute(query("view_columns"), {"view": view}).fetchall()


def ordered_select(con, view: str, period: str, *, inert: bool = False) -> str:
    """SELECT of one period of `view`, ordered by period, then names in Vietnamese order, then the rest. With
    `inert` (a spreadsheet opens the result), text columns pass through cotmoc.core.inert.spreadsheet_text."""
    described = _columns(con, view)
    columns = [name for name, _, _ in described]
    names = [c for c in columns if c.endswith("_name")]
    rest = [c for c in columns if c not in names and c != "period"]
    order = ["period"] + [f'"{c}" COLLATE vi' for c in names] + [f'"{c}"' for c in rest]
    select = "*"
    if inert:
        _register_spreadsheet_text(con)
        select = ", ".join(f'spreadsheet_text("{n}") AS "{n}"' if kind == "VARCHAR" else f'"{n}"'
                           for n, kind, _ in described)
    return query("period_rows").format(select=select, view=view, period=period, order=", ".join(order))


def _register_spreadsheet_text(con) -> None:
    try:
        con.create_function("spreadsheet_text", spreadsheet_text, ["VARCHAR"], "VARCHAR", side_effects=False)
    except (duckdb.NotImplementedException, duckdb.CatalogException):
        pass                                # registered on this connection already


def write_parquet(con, view: str, period: str, path: Path) -> Path:
    described = {name: comment for name, _, comment in _columns(con, view)}
    table = con.sql(ordered_select(con, view, period)).to_arrow_table()
    fields = []
    for f in table.schema:
        text = described.get(f.name, "")
        vi, _, en = text.partition(" — ")
        fields.append(f.with_metadata({"description": text, "description_vi": vi, "description_en": en}))
    (view_comment,) = con.execute(query("view_comment"), {"view": view}).fetchone() or ("",)
    schema = pa.schema(fields, metadata={"cotmoc.view": view, "cotmoc.period": period, "description": view_comment,
                                         "cotmoc.column_descriptions": json.dumps(described, ensure_ascii=False)})
    with replacing(path) as part:                       # a reader never sees half a file
        pq.write_table(table.cast(schema), part)
    return path


def write_csv(con, view: str, period: str, path: Path) -> Path:
    """Machine CSV: DuckDB writes it, a BOM goes in front."""
    with replacing(path) as part:
        raw = part.with_name(part.name + ".raw")
        con.execute(query("copy_csv").format(select=ordered_select(con, view, period, inert=True), path=raw))
        with part.open("w", encoding="utf-8", newline="") as out, raw.open(encoding="utf-8", newline="") as src:
            out.write(BOM)
            while chunk := src.read(1 << 20):
                out.write(chunk)
        raw.unlink()
    return path


def vietnamese_header(column: str, comment: str) -> str:
    """The Vietnamese half of a column's description, short: 'Loại tổ tự quản (mã) — Team type (code)' →
    'Loại tổ tự quản' (labels replace the codes); units stay ('Chiều dài đăng ký tự quản (km)')."""
    vi = comment.split(" — ")[0].split(":")[0].strip() or column
    return re.sub(r"\s*\((?!km\b|0–1\))[^)]*\)", "", vi).strip()


def _vi_value(value, column: str, borders: dict[str, str]) -> str:
    if value is None:
        return ""
    if column in _ENUM_COLUMNS:
        return enum_label(_ENUM_COLUMNS[column], value)
    if column == "border":
        return borders.get(value, value)
    if column == "status":
        return _STATUS_VI.get(value, value)
    if isinstance(value, bool):
        return "Có" if value else "Không"
    if isinstance(value, datetime):
        return value.strftime("%d/%m/%Y %H:%M")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, float) or hasattr(value, "as_tuple"):
        text = format(value if hasattr(value, "as_tuple") else Decimal(repr(float(value))), "f")
        return text.replace(".", ",")                 # no thousands separator: Excel reads 1234,5 as a number
    return spreadsheet_text(str(value))          # no text from a report becomes a formula (OWASP CSV injection)


def write_labelled_csv(con, view: str, period: str, path: Path) -> Path:
    columns = _columns(con, view)
    borders = dict(con.execute(query("border_labels")).fetchall())
    cursor = con.execute(ordered_select(con, view, period))
    with replacing(path) as part, part.open("w", encoding="utf-8-sig", newline="") as fh:
        out = csv.writer(fh, delimiter=";")
        out.writerow([vietnamese_header(n, c) for n, _, c in columns])
        while batch := cursor.fetchmany(10_000):
            out.writerows([[_vi_value(v, n, borders) for v, (n, _, _) in zip(row, columns)] for row in batch])
    return path
