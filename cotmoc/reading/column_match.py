"""The columns of a table sheet's code row against the template: which required ones are missing, which
codes are unknown, and which unknown column most likely holds a missing one's data (an old template's code,
a typo), so the steward is told to move the data, never to delete the column that holds it."""
from __future__ import annotations

from difflib import SequenceMatcher

from cotmoc.core import contract
from cotmoc.core.problems import ERROR, WARNING, Problem, column_letter
from cotmoc.core.vntext import fold

LIKELY_SAME_COLUMN = 0.8             # _likeness from which an unknown column is taken for a missing one


def _likeness(code: str, label, col: contract.Column) -> float:
    """How surely an unknown column is the template's `col`: 1 when its code or the label above it spells the
    column's label ('so_thanh_vien', 'Số thành viên *'), else how alike the codes and labels read (0–1)."""
    names = {fold(col.label_vi), fold(col.label_en)}
    written = [fold(code), fold(str(label))] if isinstance(label, str) and label.strip() else [fold(code)]
    if any(w in names for w in written):
        return 1.0
    return max(SequenceMatcher(None, w, n).ratio() for w in written for n in names | {fold(col.code)})


def column_problems(sheet_def: contract.Sheet, columns: dict[str, int], unknown: dict[int, str],
                    labels: dict[int, object], code_row: int) -> list[Problem]:
    """`column.missing` for each required column not found and `column.unknown` for each code not in the
    template; a missing column and the unknown one that most likely holds its data (an old template's code,
    a typo) name each other, and the fix moves the data instead of deleting the column that holds it."""
    missing = [col for col in sheet_def.columns if col.code not in columns and col.required]
    pairs = sorted(((_likeness(code, labels.get(c), col), c, col) for c, code in unknown.items() for col in missing),
                   key=lambda t: -t[0])
    guess: dict[int, contract.Column] = {}
    for score, c, col in pairs:
        if score >= LIKELY_SAME_COLUMN and c not in guess and col not in guess.values():
            guess[c] = col
    guessed = {col.code: c for c, col in guess.items()}
    out = []
    for col in missing:
        c = guessed.get(col.code)
        if c is None:
            out.append(Problem(ERROR, "column.missing", f"Thiếu cột '{col.label_vi}' (mã {col.code})",
                               f"Column '{col.label_en}' (code {col.code}) is missing",
                               f"Thêm lại cột này theo mẫu (mã {col.code} ở dòng {code_row}) và nhập số liệu của cột",
                               f"Add the column back as in the template (code {col.code} in row {code_row}) and fill "
                               f"it in", sheet=sheet_def.code, column=col.code))
            continue
        ref, letter = f"{column_letter(c)}{code_row}", column_letter(c)
        out.append(Problem(ERROR, "column.missing", f"Thiếu cột '{col.label_vi}' (mã {col.code}); có lẽ số liệu "
                           f"của cột này nằm ở cột {letter}, đang ghi mã '{unknown[c]}' (mẫu cũ?)",
                           f"Column '{col.label_en}' (code {col.code}) is missing; its data is probably in column "
                           f"{letter}, coded '{unknown[c]}' (an old template?)", *_move_fix(col, ref, letter),
                           sheet=sheet_def.code, row=code_row, column=col.code, cell=ref, value=unknown[c]))
    for c, code in unknown.items():
        ref, col = f"{column_letter(c)}{code_row}", guess.get(c)
        if col is None:
            vi, en = (f"Cột '{code}' không có trong mẫu nên không được đọc",
                      f"Column '{code}' is not in the template, so it is not read")
            fix = ("Nếu cột này chứa số liệu của báo cáo, chép số liệu sang đúng cột của mẫu; nếu là ghi chú riêng "
                   "của đơn vị, có thể để nguyên",
                   "If the column holds figures of the report, copy them into the template's column; notes of your "
                   "own may stay")
        else:
            vi = (f"Cột '{code}' không có trong mẫu: có phải là cột '{col.label_vi}' (mã {col.code}) đang thiếu? "
                  f"Số liệu của cột này chưa được đọc")
            en = (f"Column '{code}' is not in the template: did you mean the missing column '{col.label_en}' "
                  f"(code {col.code})? Its data is not read yet")
            fix = _move_fix(col, ref, column_letter(c))
        out.append(Problem(WARNING, "column.unknown", vi, en, *fix, sheet=sheet_def.code, row=code_row, cell=ref,
                           value=code))
    return out


def _move_fix(col: contract.Column, ref: str, letter: str) -> tuple[str, str]:
    return (f"Ghi mã '{col.code}' vào ô {ref} thay cho mã cũ, để số liệu ở cột {letter} được đọc là '{col.label_vi}' "
            f"(không xóa cột này: nó chứa số liệu); hoặc chép số liệu của cột {letter} sang cột '{col.label_vi}' "
            f"của mẫu mới",
            f"Type the code '{col.code}' in {ref} instead of the old one, so the data in column {letter} is read as "
            f"'{col.label_en}' (do not delete the column: it holds the data); or copy column {letter}'s data into "
            f"the current template's column '{col.label_vi}'")
