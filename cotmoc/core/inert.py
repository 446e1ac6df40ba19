"""Text that came from outside (a workbook's cells, a file's name) made inert wherever cotmoc shows or writes it.

One home for every escaping rule, so no output interprets what a province sent:
- `shown_name`: a file name as people see it (bytes that are not UTF-8 replaced by U+FFFD, control characters
  written as `\\x1b`), safe for DuckDB, JSON, openpyxl, logs;
- `terminal_text`: no control characters (no terminal escape sequence can run), for logs and the terminal;
  `rich_text` wraps it in a rich `Text`, so `[/bold]` or `[red]` is printed as written, never as markup;
- `markdown_text`: for Prefect's Markdown artifacts (no link, image, HTML or table cell can be injected);
- `spreadsheet_text`: for every CSV/Excel output (OWASP CSV injection: text starting with `= + - @`, a tab
  or a carriage return gets a leading apostrophe, so no spreadsheet runs it as a formula).
"""
from __future__ import annotations

import os
import re

# C0 and C1 controls (but not tab/newline, which terminal_text keeps for multi-line messages), DEL, and the
# bidirectional overrides that reorder what a reader sees (a "Trojan source" file name)
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_ALL_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_SURROGATES = re.compile("[\ud800-\udfff]")       # what Python's surrogate escapes leave of undecodable bytes
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~])")


def _escaped(match: re.Match) -> str:
    return f"\\x{ord(match.group()):02x}" if ord(match.group()) < 0x100 else f"\\u{ord(match.group()):04x}"


def shown_name(name: str | os.PathLike | bytes) -> str:
    """A file name (or path) as people are shown it, and as the warehouse and the steward's files record it."""
    if isinstance(name, bytes):
        raw = name
    else:
        raw = os.fsencode(os.fspath(name))         # undo Python's surrogate escapes: the bytes on disk
    return _ALL_CONTROLS.sub(_escaped, raw.decode("utf-8", "replace"))


def terminal_text(text) -> str:
    """`text` with every control character (escape sequences, bidi overrides) written out, never obeyed;
    tab and newline are kept. Surrogates from undecodable file names are replaced."""
    text = str(text)
    if _SURROGATES.search(text):
        text = text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    return _CONTROLS.sub(_escaped, text)


def rich_text(text, style: str = ""):
    """A rich Text showing `text` as written (no markup, no control codes)."""
    from rich.text import Text
    return Text(terminal_text(text), style=style)


def markdown_text(text) -> str:
    """`text` for a Markdown table cell or line: every Markdown/HTML character escaped, one line."""
    text = terminal_text(text).replace("\r", " ").replace("\n", " ")
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def spreadsheet_text(value):
    """A value for a CSV or Excel output cell: text a spreadsheet would run as a formula is prefixed with an
    apostrophe (shown as written, not evaluated); anything else is returned unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def set_cell_text(cell, value) -> None:
    """Write a value into an openpyxl cell so that it can never become a formula: text is always a text cell
    (openpyxl would store "=..." as a formula), and text a spreadsheet would evaluate once edited (starting with
    `= + - @`, a tab or a carriage return) is marked quote-prefixed, as Excel does for text typed after `'`."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    if isinstance(value, str):
        cell.value = ILLEGAL_CHARACTERS_RE.sub("", value)[:MAX_CELL_TEXT]
        cell.data_type = "s"
        if value.startswith(FORMULA_STARTS):
            cell.quotePrefix = True
    else:
        cell.value = value


MAX_CELL_TEXT = 32_767       # Excel's limit for one cell's text


_CELL_RANGE = re.compile(r"^\$?[A-Z]{0,3}\$?\d*(?::\$?[A-Z]{0,3}\$?\d*)?$")


def refers_to_cells(attr_text: str | None, sheets: set[str]) -> bool:
    """Whether a defined name is only a reference to cells of this workbook (print areas, lists): anything else
    (a DDE call such as cmd|' /C calc'!A0, another workbook, a formula, a constant) is dropped from the steward's
    copy."""
    parts = [p.strip() for p in (attr_text or "").split(",")]
    for part in parts:
        sheet, bang, cells = part.rpartition("!")
        if sheet.startswith("'") and sheet.endswith("'") and len(sheet) > 1:
            sheet = sheet[1:-1].replace("''", "'")
        if not bang or sheet not in sheets or not cells or not _CELL_RANGE.match(cells):
            return False
    return bool(parts)
