"""The columns of a table sheet's code row against the template: which required ones are missing, which
codes are unknown, and which unknown column most likely holds a missing one's data (an old template's code,
a typo), so the steward is told to move the data, never to delete the column that holds it."""
from __future__ import annotations

from difflib import SequenceMatcher

from cotmoc.core import contract
from cotmoc.core.messages import problem
from cotmoc.core.problems import Problem, column_letter
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
        names = {"label_vi": col.label_vi, "label_en": col.label_en, "code": col.code}
        if c is None:
            out.append(problem("column.missing", **names, code_row=code_row, sheet=sheet_def.code, column=col.code))
            continue
        ref = f"{column_letter(c)}{code_row}"
        out.append(problem("column.missing", "guessed", **names, letter=column_letter(c), written=unknown[c], ref=ref,
                           sheet=sheet_def.code, row=code_row, column=col.code, cell=ref, value=unknown[c]))
    for c, code in unknown.items():
        ref, col = f"{column_letter(c)}{code_row}", guess.get(c)
        if col is None:
            out.append(problem("column.unknown", written=code, sheet=sheet_def.code, row=code_row, cell=ref,
                               value=code))
            continue
        out.append(problem("column.unknown", "guessed", written=code, label_vi=col.label_vi, label_en=col.label_en,
                           code=col.code, letter=column_letter(c), ref=ref, sheet=sheet_def.code, row=code_row,
                           cell=ref, value=code))
    return out
