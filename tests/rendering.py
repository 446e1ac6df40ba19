"""Rendering workbooks as their readers see them: LibreOffice prints the workbook to PDF in a Vietnamese
locale (as a steward's Calc would), poppler reads the text and the word boxes back, and draws the pages as
PNG. `python -m tests.rendering docs/img` refreshes the screenshots the docs show."""
from __future__ import annotations

import html
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from cotmoc.outputs.libreoffice import convert, soffice

VIETNAMESE = "vi_VN"
_PAGE = re.compile(r'<page width="([\d.]+)" height="([\d.]+)">(.*?)</page>', re.S)
_WORD = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>')


def can_render() -> bool:
    return soffice() is not None and shutil.which("pdftotext") is not None and shutil.which("pdftoppm") is not None


@dataclass(frozen=True)
class Word:
    text: str
    x0: float
    y0: float
    x1: float
    y1: float


@dataclass(frozen=True)
class Page:
    width: float
    height: float
    words: list[Word]
    text: str                        # the page as pdftotext -layout lays it out

    def overlapping_words(self, share: float = 0.4) -> list[tuple[Word, Word]]:
        """Pairs of words drawn over each other (by more than `share` of the smaller one's height: the boxes of
        two lines of one cell touch, the accents reaching into the line above): what text spilling out of a
        row too short for it looks like."""
        out = []
        words = sorted(self.words, key=lambda w: w.y0)
        for i, a in enumerate(words):
            for b in words[i + 1:]:
                if b.y0 >= a.y1:
                    break
                least = share * min(a.y1 - a.y0, b.y1 - b.y0)
                if min(a.x1, b.x1) - max(a.x0, b.x0) > 0.5 and min(a.y1, b.y1) - max(a.y0, b.y0) > least:
                    out.append((a, b))
        return out


def to_pdf(workbook: Path, out_dir: Path) -> Path:
    return convert(workbook, "pdf", out_dir, locale=VIETNAMESE)


def pages(pdf: Path) -> list[Page]:
    """Every page's words with their boxes, and its text laid out."""
    boxes = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    found = []
    for n, (width, height, body) in enumerate(_PAGE.findall(boxes), start=1):
        words = [Word(html.unescape(t), *map(float, xy)) for *xy, t in _WORD.findall(body)]
        text = subprocess.run(["pdftotext", "-layout", "-f", str(n), "-l", str(n), str(pdf), "-"],
                              capture_output=True, text=True, check=True).stdout
        found.append(Page(float(width), float(height), words, text))
    return found


def to_png(pdf: Path, prefix: Path, *, first: int = 1, last: int | None = None, dpi: int = 80) -> list[Path]:
    """Pages first..last as PNG files `prefix-N.png`."""
    prefix.parent.mkdir(parents=True, exist_ok=True)
    command = ["pdftoppm", "-png", "-r", str(dpi), "-f", str(first), "-l", str(last or first), str(pdf), str(prefix)]
    subprocess.run(command, check=True)
    return sorted(prefix.parent.glob(f"{prefix.name}-*.png"))


def over_total_copy(work: Path) -> Path:
    """The steward's copy of the border-total fault (Lai Châu 2019, 300 km typed in row 4), as filed."""
    from cotmoc.core.config import load_settings
    from cotmoc.pipeline.checking import check_file
    from cotmoc.pipeline.filing import write_steward_outputs
    from cotmoc.samples import faulty
    made = faulty.km_past_border_total(work / "inbox" / "loi_vuot_chieu_dai_lai_chau_2019.xlsx")
    checked = check_file(made.path, load_settings(work, environ={}), today=date(2026, 11, 22))
    written = write_steward_outputs(checked, work / "rejected" / made.path.name, "rejected")
    return next(p for p in written if p.suffix == ".xlsx")


def write_screenshots(out_dir: Path) -> list[Path]:
    """The steward's copy of the border-total fault: its Loi sheet and the marked rows, as docs/img shows."""
    import tempfile
    out_dir = Path(out_dir)
    with tempfile.TemporaryDirectory() as tmp:
        pdf = to_pdf(over_total_copy(Path(tmp)), Path(tmp) / "pdf")
        found = pages(pdf)
        shots = []
        for name, marker in (("steward_copy_loi", "Kết quả kiểm tra báo cáo"), ("steward_copy_segments", "Bản Xín Huổi")):
            n = next(i for i, p in enumerate(found, start=1) if marker in p.text)
            [png] = to_png(pdf, Path(tmp) / name, first=n)
            target = out_dir / f"{name}.png"
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(png, target)
            shots.append(target)
        return shots


if __name__ == "__main__":
    for path in write_screenshots(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/img")):
        print(f"wrote {path}")
