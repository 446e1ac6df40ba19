"""pandera failure cases → Problems a steward can act on: sheet, Excel cell, the value found, what is
wrong and how to fix it, in Vietnamese then English. No pandera vocabulary reaches the steward."""
from __future__ import annotations

import pandas as pd
import pandera.pandas as pa

from cotmoc.contract import SHEETS_BY_CODE
from cotmoc.problems import ERROR, Problem

# check name (prefix) → (rule, column the problem sits on or None for the failing column, vi, en, fix_vi, fix_en)
# Messages may use {label_vi}, {label_en}, {value} and any column of the row ({members}, {teams}, ...).
MESSAGES = {
    "greater_than_or_equal_to": ("value.negative", None, "{label_vi}: giá trị {value} là số âm",
                                 "{label_en}: {value} is negative", "Nhập số không âm", "Enter a number ≥ 0"),
    "isin": ("value.not_allowed", None, "{label_vi}: '{value}' không có trong danh sách",
             "{label_en}: '{value}' is not an allowed value", "Chọn trong danh sách thả xuống",
             "Pick a value from the dropdown list"),
    "members_not_fewer_than_teams": ("teams.members_fewer_than_teams", "members",
                                     "Số thành viên ({members}) nhỏ hơn số tổ ({teams})",
                                     "Members ({members}) fewer than teams ({teams})",
                                     "Kiểm tra lại số tổ và số thành viên: mỗi tổ có ít nhất một thành viên",
                                     "Check teams and members: every team has at least one member"),
    "persons_not_fewer_than_households": ("segments.persons_fewer_than_households", "persons",
                                          "Số người ({persons}) nhỏ hơn số hộ ({households})",
                                          "Persons ({persons}) fewer than households ({households})",
                                          "Mỗi hộ đăng ký có ít nhất một người: kiểm tra hai cột này",
                                          "Each registered household has at least one person: check both columns"),
    "someone_honoured": ("awards.nobody_honoured", "collectives",
                         "Quyết định khen thưởng có số tập thể và số cá nhân đều bằng 0",
                         "The award decision honours no collective and no individual",
                         "Nhập số tập thể và/hoặc số cá nhân được khen, hoặc xóa dòng",
                         "Enter the collectives and/or individuals honoured, or delete the row"),
    "at_most_three_decimals": ("segments.km_decimals", None, "{label_vi}: {value} có quá 3 chữ số thập phân",
                               "{label_en}: {value} has more than three decimals",
                               "Làm tròn đến mét (3 chữ số thập phân)", "Round to the metre (three decimals)"),
}


def _message_for(check: str):
    for key, spec in MESSAGES.items():
        if check.startswith(key):
            return spec
    return ("value.invalid", None, "{label_vi}: giá trị {value} không hợp lệ ({check})",
            "{label_en}: invalid value {value} ({check})", "Kiểm tra lại ô này", "Check this cell")


def _fmt(value) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return "trống"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def validate_sheet(model: type[pa.DataFrameModel], df: pd.DataFrame, sheet_code: str,
                   letters: dict[str, str]) -> list[Problem]:
    """Run one sheet's schema lazily (every failure in one pass) and explain each failure."""
    try:
        model.validate(df, lazy=True)
        return []
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases
    sheet = SHEETS_BY_CODE[sheet_code]
    problems, seen = [], set()
    for case in cases.itertuples(index=False):
        check = str(case.check)
        rule, on_column, vi, en, fix_vi, fix_en = _message_for(check)
        column = on_column or case.column
        if pd.isna(case.index) or column not in sheet.codes:
            if case.schema_context == "DataFrameSchema" and not on_column:
                problems.append(Problem(ERROR, "sheet.invalid", f"Sheet {sheet_code}: {check}", f"Sheet {sheet_code}: {check}",
                                        "Liên hệ cơ quan tổng hợp", "Contact the central office", sheet=sheet_code))
            continue
        row = df.iloc[int(case.index)]
        excel_row = int(row["excel_row"])
        if (rule, excel_row, column) in seen:
            continue                      # a dataframe check reports each column of a failing row
        seen.add((rule, excel_row, column))
        col = sheet.column(column)
        fields = {c: _fmt(row[c]) for c in sheet.codes if c in row.index}
        value = _fmt(row[column])
        fields.update(label_vi=col.label_vi, label_en=col.label_en, value=value, check=check)
        letter = letters.get(column)
        problems.append(Problem(ERROR, rule, vi.format(**fields), en.format(**fields), fix_vi, fix_en,
                                sheet=sheet_code, row=excel_row, column=column,
                                cell=f"{letter}{excel_row}" if letter else None, value=value))
    return problems
