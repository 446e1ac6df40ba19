"""pandera failure cases → Problems a steward can act on: sheet, Excel row and cell, the value found, what
is wrong and how to fix it, Vietnamese first, then English. No pandera vocabulary reaches the steward.

Every check a schema runs has an entry in ``MESSAGES``, keyed by the check's name (built-in checks by the
part before the bracket: ``greater_than_or_equal_to(0)`` → ``greater_than_or_equal_to``). A message may
use ``{label_vi}``, ``{label_en}`` (the failing column's labels), ``{value}``, ``{allowed}`` (the labels of
the column's enumeration) and any column of the failing row by its code (``{members}``, ``{teams}``...).
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Callable

import pandas as pd
import pandera.pandas as pa

from cotmoc.core import contract, reference
from cotmoc.core.contract import SHEETS_BY_CODE
from cotmoc.core.problems import ERROR, Problem

#: (position in the frame, column code) → (Excel row, cell reference), either may be None.
Locator = Callable[[int, str], tuple[int | None, str | None]]


@dataclass(frozen=True)
class Message:
    rule: str                 # stable rule id stored in validation_issues
    vi: str
    en: str
    fix_vi: str
    fix_en: str
    column: str | None = None  # the column the problem sits on; None: the failing column itself
    severity: str = ERROR


_CHECK_ROW = ("Kiểm tra lại số liệu của dòng này", "Check this row's figures")

MESSAGES: dict[str, Message] = {
    # value rules on one cell
    "greater_than_or_equal_to": Message(
        "value.negative", "{label_vi}: giá trị {value} là số âm", "{label_en}: {value} is negative",
        "Nhập số không âm (0 nếu không có)", "Enter a number of 0 or more (0 if none)"),
    "isin": Message(
        "value.not_allowed", "{label_vi}: '{value}' không có trong danh sách", "{label_en}: '{value}' is not an allowed value",
        "Chọn trong danh sách thả xuống: {allowed}", "Pick a value from the dropdown list"),
    "at_most_three_decimals": Message(
        "segments.km_decimals", "{label_vi}: {value} có quá 3 chữ số thập phân",
        "{label_en}: {value} has more than three decimals",
        "Làm tròn đến mét (3 chữ số sau dấu phẩy, vd 365,861)", "Round to the metre (three decimals, e.g. 365.861)"),
    "not_blank": Message(
        "value.blank", "{label_vi}: ô chỉ có dấu cách hoặc ký tự không đọc được",
        "{label_en}: the cell holds only spaces or unreadable characters", "Nhập nội dung cho ô này", "Fill this cell in"),
    # rules across the cells of one row
    "members_not_fewer_than_teams": Message(
        "teams.members_fewer_than_teams", "Số thành viên ({members}) nhỏ hơn số tổ ({teams})",
        "Members ({members}) fewer than teams ({teams})",
        "Kiểm tra lại số tổ và số thành viên: mỗi tổ có ít nhất một thành viên",
        "Check teams and members: every team has at least one member", column="members"),
    "persons_not_fewer_than_households": Message(
        "segments.persons_fewer_than_households", "Số người ({persons}) nhỏ hơn số hộ ({households})",
        "Persons ({persons}) fewer than households ({households})",
        "Mỗi hộ đăng ký có ít nhất một người: kiểm tra hai cột này",
        "Each registered household has at least one person: check both columns", column="persons"),
    "someone_honoured": Message(
        "awards.nobody_honoured", "Quyết định khen thưởng có số tập thể và số cá nhân đều bằng 0",
        "The award decision honours no collective and no individual",
        "Nhập số tập thể và/hoặc số cá nhân được khen, hoặc xóa dòng",
        "Enter the collectives and/or individuals honoured, or delete the row", column="collectives"),
    # the report's own fields (sheet thong_tin)
    "known_template_version": Message(
        "template.version_unknown", "Mẫu báo cáo phiên bản '{value}' đã cũ hoặc không được hỗ trợ",
        "Template version '{value}' is stale or not supported",
        f"Tải mẫu mới (phiên bản {contract.TEMPLATE_VERSION}), chép số liệu sang rồi gửi lại",
        f"Download the current template (version {contract.TEMPLATE_VERSION}), copy the figures over and send it again"),
    "known_province": Message(
        "province.unknown", "{label_vi}: không có tỉnh mã '{value}'", "{label_en}: no province has the code '{value}'",
        "Chọn tỉnh trong danh sách thả xuống", "Pick the province from the dropdown list"),
    "period_code": Message(
        "period.unreadable", "{label_vi}: '{value}' không phải mã kỳ báo cáo", "{label_en}: '{value}' is not a period code",
        "Ghi năm (2024) hoặc 6 tháng (2024S1, 2024S2)", "Write a year (2024) or a half-year (2024S1, 2024S2)"),
    "period_after_directive": Message(
        "period.before_directive", "Kỳ báo cáo {value} trước khi có Chỉ thị 01/CT-TTg (9/1/2015)",
        "The period {value} is before Directive 01/CT-TTg (9 January 2015)",
        "Kiểm tra lại năm của kỳ báo cáo", "Check the period's year"),
}

# A frame that does not have the shape the normaliser promises is our fault, not the steward's.
_INTERNAL = Message("sheet.internal", "Lỗi nội bộ khi kiểm tra sheet {sheet}, cột {column}: {what_vi}",
                    "Internal error while checking sheet {sheet}, column {column}: {what_en}",
                    "Gửi file này cho cơ quan tổng hợp để được hỗ trợ", "Send this file to the central office for help")


def message_for(check: str) -> Message | None:
    """The message for a pandera check name, or None for a check that is not about a cell's value."""
    return MESSAGES.get(str(check).split("(", 1)[0])


def fmt(value) -> str:
    """A value as the steward typed it: whole numbers without '.0', blanks as 'trống'."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return "trống"
    if isinstance(value, pd.Timestamp):
        return f"{value:%d/%m/%Y}"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _allowed(sheet_code: str, column: str) -> str:
    col = SHEETS_BY_CODE[sheet_code].column(column)
    return "; ".join(v.label_vi for v in reference.enumeration(col.enum)) if col.enum else "—"


@lru_cache(maxsize=None)
def _schema(model: type[pa.DataFrameModel]) -> pa.DataFrameSchema:
    """The model's schema, built once (pandera rebuilds it on every Model.validate: ≈ 30 ms a call)."""
    return model.to_schema()


def validate_frame(model: type[pa.DataFrameModel], df: pd.DataFrame, sheet_code: str,
                   locate: Locator) -> list[tuple[int | None, Problem]]:
    """Run one sheet's schema lazily (every failure in one pass) and explain each failure on its cell.
    Returns (row position in `df`, problem) pairs; the position is None for a failure of the whole frame
    (a wrong dtype, a missing column, a check that crashed), which is our fault, not the steward's."""
    df = df.reset_index(drop=True)           # failure indexes are then positions
    try:
        _schema(model).validate(df, lazy=True)
        return []
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases
    sheet = SHEETS_BY_CODE[sheet_code]
    values = {c: df[c].to_numpy(dtype=object) for c in sheet.codes if c in df.columns}
    found: list[tuple[int | None, Problem]] = []
    seen: set[tuple[str, int, str]] = set()
    for case in cases.itertuples(index=False):
        spec = message_for(case.check)
        located = spec is not None and not pd.isna(case.index)
        column = (spec.column if spec else None) or case.column
        if not located or column not in sheet.codes:
            if spec is None or pd.isna(case.index):
                found.append((None, _internal(sheet_code, case)))   # wrong dtype, missing column, a check that crashed
            continue
        position = int(case.index)
        if (spec.rule, position, column) in seen:
            continue                      # a row check reports each column of a failing row
        seen.add((spec.rule, position, column))
        fields = {c: fmt(v[position]) for c, v in values.items()}
        col = sheet.column(column)
        value = fields.get(column, fmt(case.failure_case))
        fields.update(label_vi=col.label_vi, label_en=col.label_en, value=value,
                      allowed=_allowed(sheet_code, column) if spec.rule == "value.not_allowed" else "")
        excel_row, cell = locate(position, column)
        found.append((position, Problem(spec.severity, spec.rule, spec.vi.format(**fields), spec.en.format(**fields),
                                        spec.fix_vi.format(**fields), spec.fix_en.format(**fields), sheet=sheet_code,
                                        row=excel_row, column=column, cell=cell, value=value)))
    if any(p.rule == _INTERNAL.rule and p.column for _, p in found):
        # a row check that crashed on a missing or mistyped column adds nothing to that column's problem
        found = [(pos, p) for pos, p in found if p.rule != _INTERNAL.rule or p.column]
    return list(dict.fromkeys(found))


_INTERNAL_WHAT = {"dtype": ("kiểu dữ liệu không đúng", "unexpected data type"),
                  "column_in_dataframe": ("thiếu cột", "column missing")}


def _internal(sheet_code: str, case) -> Problem:
    what_vi, what_en = _INTERNAL_WHAT.get(str(case.check).split("(", 1)[0], ("không chạy được phép kiểm tra",
                                                                             "a check could not run"))
    column = case.failure_case if str(case.check) == "column_in_dataframe" else case.column
    fields = {"sheet": sheet_code, "column": column, "what_vi": what_vi, "what_en": what_en}
    return Problem(ERROR, _INTERNAL.rule, _INTERNAL.vi.format(**fields), _INTERNAL.en.format(**fields),
                   _INTERNAL.fix_vi, _INTERNAL.fix_en, sheet=sheet_code,
                   column=column if column in SHEETS_BY_CODE[sheet_code].codes else None)
