"""Writes docs/workbook.md from the contract module and the reference enumerations, so the document
stewards and province offices read can never drift from what the code checks
(`python -m cotmoc.docgen` rewrites it; a test fails when it is stale)."""
from __future__ import annotations

import sys
from pathlib import Path

from cotmoc import contract, reference

DOC_PATH = Path(__file__).resolve().parent.parent / "docs" / "workbook.md"

_KIND_VI = {
    contract.TEXT: "chữ / text", contract.INT: "số nguyên ≥ 0 / whole number ≥ 0",
    contract.KM: "số thập phân ≥ 0, 3 chữ số lẻ / decimal ≥ 0, three decimals",
    contract.DATE: "ngày / date", contract.ENUM: "chọn trong danh mục / one of a list",
    contract.PROVINCE: "tỉnh / province", contract.PERIOD: "kỳ báo cáo / period code",
}

_INTRO = f"""# The report workbook (template version {contract.TEMPLATE_VERSION})

*Generated from `cotmoc/contract.py` and `warehouse/reference/enumerations.csv` by `python -m cotmoc.docgen`;
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
"""

_RULES = {
    "doan_bien_gioi": "Per province and border, the sum of `length_km` may not exceed the border's total length, "
                      "nor `markers` the total markers (reference data); the same marker may not be claimed by "
                      "two stretches.",
    "khen_thuong": "A row with both counts 0 is an error.",
    "to_tu_quan": "`members` may not be fewer than `teams`.",
    "thong_tin": "The period may not be in the future; the report date may not be before the period starts; the "
                 "template version must be one cotmoc reads.",
}


def render() -> str:
    out = [_INTRO]
    for sheet in contract.SHEETS:
        out.append(f"## Sheet `{sheet.code}` — {sheet.title_vi} / {sheet.title_en}\n")
        out.append("| code | nhãn (label) | meaning | kind | required |")
        out.append("|---|---|---|---|---|")
        for c in sheet.columns:
            kind = _KIND_VI[c.kind] + (f" (`{c.enum}`)" if c.enum else "")
            out.append(f"| `{c.code}` | {c.label_vi} | {c.label_en} | {kind} | {'bắt buộc / yes' if c.required else ''} |")
        out.append(f"\n{_RULES[sheet.code]}\n")
    out.append("## Lists (danh mục)\n")
    for name in ("team_type", "border", "issuer", "award_form"):
        out.append(f"### `{name}`\n")
        out.append("| code | nhãn trong danh sách chọn (dropdown label) | English |")
        out.append("|---|---|---|")
        for v in reference.enumeration(name):
            out.append(f"| `{v.code}` | {v.label_vi} | {v.label_en} |")
        out.append("")
    return "\n".join(out)


def main() -> int:
    DOC_PATH.write_text(render(), encoding="utf-8")
    print(f"wrote {DOC_PATH}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
