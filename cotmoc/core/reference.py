"""Reference data: the versioned CSV files in warehouse/reference/ (documented in docs/reference-data.md),
read once and cached, with the questions the rest of cotmoc asks of them: which provinces existed on a
day, which borders a province has, what its border totals are, who owes a report for a period, and
which code a name written in a report means."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache, wraps
from importlib import resources
from pathlib import Path

import pandas as pd

from cotmoc.core import vntext
from cotmoc.core.periods import HALF, YEAR, Period, periods_between

#: warehouse/reference/ in the repo, cotmoc/warehouse/reference/ once installed (package data, found by importlib)
REFERENCE_DIR = Path(str(resources.files("cotmoc.warehouse") / "reference"))
MERGER_DAY = date(2025, 7, 1)
ALL_BORDERS = "ALL"


@dataclass(frozen=True)
class Province:
    code: str
    name_vi: str
    name_ascii: str
    gso_code: str
    valid_from: date
    valid_to: date | None
    current_code: str
    is_border: bool          # had a land border of its own before the 2025 merger

    def exists_on(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


@dataclass(frozen=True)
class EnumValue:
    enum: str
    code: str
    label_vi: str
    label_en: str
    sort_order: int
    variants: tuple[str, ...]


@dataclass(frozen=True)
class BorderTotal:
    province_code: str
    border: str
    total_km: float | None
    total_markers: int | None
    source: str
    verified: bool
    source_vi: str = ""      # the source in Vietnamese, for the steward's messages


@dataclass(frozen=True)
class NameMatch:
    code: str | None
    repaired: bool = False                 # matched, but not as the canonical name or code was written
    suggestions: tuple[str, ...] = ()      # closest known codes when nothing matched


@lru_cache(maxsize=None)
def load_table(name: str) -> pd.DataFrame:
    """One reference CSV as text columns (empty cells as NA). Used to fill the ref_* warehouse tables."""
    return pd.read_csv(REFERENCE_DIR / f"{name}.csv", dtype=str, keep_default_na=False).replace("", pd.NA)


def _date(value) -> date | None:
    return None if pd.isna(value) else date.fromisoformat(value)


@lru_cache(maxsize=None)
def _provinces() -> dict[str, Province]:
    out = {}
    for r in load_table("provinces").itertuples(index=False):
        out[r.province_code] = Province(r.province_code, r.name_vi, r.name_ascii, r.gso_code or "",
                                        _date(r.valid_from), _date(r.valid_to), r.current_code,
                                        r.is_border == "true")
    return out


def provinces() -> list[Province]:
    return list(_provinces().values())


def province(code: str) -> Province:
    try:
        return _provinces()[code]
    except KeyError:
        raise KeyError(f"Không có tỉnh mã '{code}' — unknown province code '{code}'") from None


def constituents(code: str) -> list[str]:
    """Provinces that became `code` in the 2025 merger, `code` itself included."""
    return sorted(p.code for p in provinces() if p.current_code == code)


@lru_cache(maxsize=None)
def _own_totals() -> dict[tuple[str, str], BorderTotal]:
    out = {}
    for r in load_table("border_totals").itertuples(index=False):
        out[(r.province_code, r.border)] = BorderTotal(
            r.province_code, r.border, None if pd.isna(r.total_km) else float(r.total_km),
            None if pd.isna(r.total_markers) else int(r.total_markers), r.source, r.verified == "true",
            r.source_vi if not pd.isna(r.source_vi) else r.source)
    return out


def _members(code: str, day: date | None) -> list[str]:
    """Whose own border rows make up `code`'s border on `day`: itself before the merger, its constituents after."""
    p = province(code)
    if p.valid_to is None and (day is None or day >= MERGER_DAY):
        return constituents(code)
    return [code]


def borders_of(code: str, day: date | None = None) -> list[str]:
    """Land borders of a province on a day (default: today); a merged province inherits its constituents'."""
    members = set(_members(code, day))
    return sorted({b for (p, b) in _own_totals() if p in members and b != ALL_BORDERS})


def border_total(code: str, border: str, day: date | None = None) -> BorderTotal:
    """A province's total km and markers on one border (or ALL), summed over merged constituents;
    a figure is None when any part of it is unknown."""
    parts = []
    for member in _members(code, day):
        t = _own_totals().get((member, border))
        if t is None and border == ALL_BORDERS:
            own = [v for (p, b), v in _own_totals().items() if p == member and b != ALL_BORDERS]
            if own:
                t = BorderTotal(member, ALL_BORDERS,
                                None if any(x.total_km is None for x in own) else sum(x.total_km for x in own),
                                None if any(x.total_markers is None for x in own) else sum(x.total_markers for x in own),
                                "sum of the province's borders", all(x.verified for x in own),
                                "tổng các tuyến của tỉnh")
        if t is not None:
            parts.append(t)
    if not parts:
        return BorderTotal(code, border, None, None, "", False)
    km = None if any(t.total_km is None for t in parts) else round(sum(t.total_km for t in parts), 3)
    markers = None if any(t.total_markers is None for t in parts) else sum(t.total_markers for t in parts)
    return BorderTotal(code, border, km, markers, "; ".join(dict.fromkeys(t.source for t in parts)),
                       all(t.verified for t in parts), "; ".join(dict.fromkeys(t.source_vi for t in parts)))


def provinces_on(day: date, border_only: bool = True) -> list[Province]:
    """Provinces that existed on `day` (border provinces only, by default), in reference order."""
    return [p for p in provinces() if p.exists_on(day) and (not border_only or borders_of(p.code, day))]


@lru_cache(maxsize=None)
def enumeration(name: str) -> list[EnumValue]:
    rows = load_table("enumerations")
    rows = rows[rows["enum"] == name]
    if rows.empty:
        raise KeyError(f"unknown enumeration {name!r}")
    values = [EnumValue(r.enum, r.code, r.label_vi, r.label_en, int(r.sort_order),
                        tuple(v for v in (r.variants or "").split("|") if v) if not pd.isna(r.variants) else ())
              for r in rows.itertuples(index=False)]
    return sorted(values, key=lambda v: v.sort_order)


# --- matching names written in reports ------------------------------------------------------------
def _remembered(matcher):
    """Remember a matcher's answers for text: a report repeats the same names row after row. Safe because
    NameMatch is frozen and the indexes are read once per process. Other values (None, NaN) are not kept."""
    cached = lru_cache(maxsize=4096)(matcher)

    @wraps(matcher)
    def match(*args, **kwargs):
        if args and not kwargs and type(args[-1]) is str:
            return cached(*args)
        return matcher(*args, **kwargs)
    return match


def _match(text, exact: dict[str, str], folded: dict[str, str], kind: str | None) -> NameMatch:
    if text is None or (isinstance(text, float) and pd.isna(text)):
        return NameMatch(None)
    cleaned = vntext.clean(str(text))
    if cleaned in exact:
        return NameMatch(exact[cleaned])
    key = vntext.fold(cleaned)
    for candidate in (key, vntext.strip_prefix(key, kind) if kind else key, key.replace(" ", "")):
        if candidate in folded:
            return NameMatch(folded[candidate], repaired=True)
    return NameMatch(None, suggestions=tuple(vntext.closest(cleaned, folded)))


def _index(pairs) -> tuple[dict[str, str], dict[str, str]]:
    exact, folded = {}, {}
    for name, code in pairs:
        exact.setdefault(vntext.clean(name), code)
        key = vntext.fold(name)
        folded.setdefault(key, code)
        folded.setdefault(key.replace(" ", ""), code)
    return exact, folded


@lru_cache(maxsize=None)
def _province_index():
    pairs = [(p.code, p.code) for p in provinces()] + [(p.name_vi, p.code) for p in provinces()]
    pairs += [(p.name_ascii, p.code) for p in provinces()]
    pairs += [(r.variant, r.province_code) for r in load_table("province_variants").itertuples(index=False)]
    exact, folded = _index(pairs)
    for p in provinces():   # the canonical code or name is not a repair; a spelling variant is
        exact[p.code] = exact[p.name_vi] = p.code
    return exact, folded


@_remembered
def province_hint(text) -> str:
    """The provinces a name or code that matches none most resembles, by name, for a message ('—': none)."""
    return ", ".join(province(c).name_vi for c in match_province(text).suggestions) or "—"


def match_province(text) -> NameMatch:
    """A province code for a name as written: code, Vietnamese name, with or without diacritics or
    "tỉnh", NFC or NFD, or a known variant."""
    exact, folded = _province_index()
    return _match(text, exact, folded, "province")


@lru_cache(maxsize=None)
def _enum_index(name: str):
    pairs = []
    for v in enumeration(name):
        pairs += [(v.code, v.code), (v.label_vi, v.code), (v.label_en, v.code)] + [(x, v.code) for x in v.variants]
    exact, folded = _index(pairs)
    exact = {k: c for k, c in exact.items() if k in {v.code for v in enumeration(name)} | {v.label_vi for v in enumeration(name)}}
    return exact, folded


@_remembered
def match_enum(name: str, text) -> NameMatch:
    """An enumeration code for a value as written: the code, the Vietnamese label, or a known variant."""
    exact, folded = _enum_index(name)
    return _match(text, exact, folded, None)


@lru_cache(maxsize=None)
def border_communes(province_code: str) -> tuple[int, bool]:
    """How many border communes the reference list has for a province (its constituents' too), and whether
    every one of them is verified: (0, False) when the list has none."""
    rows = load_table("communes")
    rows = rows[rows["province_code"].isin(set(constituents(province_code)) | {province_code})]
    return len(rows), bool(len(rows)) and bool((rows["verified"].astype(str).str.lower() == "true").all())


@lru_cache(maxsize=None)
def _commune_index(province_code: str):
    rows = load_table("communes")
    members = set(constituents(province_code)) | {province_code}
    rows = rows[rows["province_code"].isin(members)]
    exact, folded = _index([(c, c) for c in rows["commune"]])
    return {k: v for k, v in exact.items() if k in set(rows["commune"])}, folded


def has_communes(province_code: str) -> bool:
    return bool(_commune_index(province_code)[1])


@_remembered
def match_commune(province_code: str, text) -> NameMatch:
    """The canonical commune name (its code) within a province's known border communes."""
    exact, folded = _commune_index(province_code)
    return _match(text, exact, folded, "commune")


# --- who owes what, by when ----------------------------------------------------------------------
@lru_cache(maxsize=None)
def _schedule() -> dict[str, tuple[int, Period]]:
    return {r.period_kind: (int(r.due_days_after_period_end), Period.parse(r.first_period))
            for r in load_table("reporting_schedule").itertuples(index=False)}


def deadline(period: str) -> date:
    p = Period.parse(period)
    return p.end + timedelta(days=_schedule()[p.kind][0])


def expected_reporters(period: str) -> list[str]:
    """Province codes that owe a report for the period: the border provinces that exist on its last day."""
    p = Period.parse(period)
    if p < _schedule()[p.kind][1]:          # the first period of the same kind that was owed
        return []
    return [prov.code for prov in provinces_on(p.end)]


def first_periods() -> list[Period]:
    """The first period of each kind that was owed (reporting_schedule.csv)."""
    return [first for _, first in _schedule().values()]


def expected_periods(until: date) -> list[str]:
    """Every period owed from the schedule's first periods to the last one that has ended by `until`."""
    out = []
    for kind in (YEAR, HALF):
        first = _schedule()[kind][1]
        out += [q.code for q in periods_between(first, Period(until.year), kind) if q.end < until]
    return sorted(out)
