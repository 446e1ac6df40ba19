"""Rules across sheets and against reference data (CONTRACT.md §1), vectorised with pandas so that a
100,000-row report is checked in well under a second.

Report fields (sheet thong_tin):
- `period.future` ERROR: the period has not started yet.
- `report_date.before_period` ERROR: signed before the period started; `report_date.future` ERROR: signed
  after today; `report_date.late` WARNING: signed more than two years after the period ended (usually the
  wrong period was chosen, but late filings of old reports do happen).

How far the movement reaches (thong_tin, template version 2):
- `info.communes_over_reference` when the border communes the report gives (its total, else those covered)
  exceed the province's border communes in the reference list: a WARNING while that list is unverified
  (it is then more likely short than the report wrong), an ERROR once every commune in it is verified.

Border segments (sheet doan_bien_gioi), against the province's borders on the period's last day:
- `segments.border_not_of_province` ERROR on the row's border cell.
- `segments.km_over_total` / `segments.markers_over_total` ERROR when, for one border or for the whole land
  border (`ALL`), the registered km or markers exceed the reference total (only when that total is known;
  a province with one land border is told once, not again for its whole land border). The problem sits on
  each of the three largest rows' cell, where a slip (metres typed as km, an extra digit) most likely is,
  and its message names all three.
- `segments.marker_claimed_twice` ERROR on each row whose marker range (from–to, both ends included, per
  border) overlaps another row's; it names the rows it overlaps. Marker codes read: `120`, `120/1`, `120(1)`,
  `120.1`, `120-1`, with an optional "Mốc"/"M" before; `120/1` sorts after `120` and before `121`.
  `segments.marker_unreadable` WARNING when a marker code is none of these (the overlap check skips it).

Activities (sheet hoat_dong, template version 2):
- `activities.repeated` ERROR on a second row of the same activity kind (one row per kind: the views
  carry each kind's figures to its row).
- `activities.since_after_period` ERROR: cumulative figures cannot start counting after the period.

Award decisions (sheet khen_thuong), against the period:
- `awards.decision_after_report` ERROR: dated after the report was signed (or after today when the report
  date is unknown); a report cannot list a decision not yet made.
- `awards.decision_long_before_period` ERROR: more than a year before the period starts; it belongs to an
  earlier report, and counting it again would double the national figures.
- `awards.decision_outside_period` WARNING: otherwise before the period, or more than six months after it
  ends (decisions honouring a year are often signed early the next year, so up to six months is normal).
"""
from __future__ import annotations

from datetime import date, timedelta
from functools import partial

import pandas as pd

from cotmoc.core import contract, reference
from cotmoc.core.display import en_number, enum_label, enum_label_en, vi_number
from cotmoc.core.periods import BadPeriod, Period
from cotmoc.core.messages import problem
from cotmoc.core.problems import Problem
from cotmoc.schemas.batch import REPORT

LATE_REPORT = timedelta(days=730)
DECISION_GRACE = timedelta(days=183)
DECISION_TOO_EARLY = timedelta(days=365)
TOP_ROWS = 3
_MARKER = r"^\s*(?:(?:cột\s*)?mốc|m)?\s*(\d+)\s*(?:[/(.\-]\s*(\d+)\s*\)?)?\s*$"
_SUB_SCALE = 10_000          # 120/1 → 1_200_001: sortable integer keys, sub-markers between main ones


def _period(report) -> Period | None:
    try:
        return Period.parse(report.info["period"]) if report.info.get("period") else None
    except BadPeriod:
        return None                              # reported by the normaliser or InfoSchema


def _day(value) -> date | None:
    if value is None or (not isinstance(value, date) and pd.isna(value)):
        return None
    return value.date() if isinstance(value, pd.Timestamp) else value


# ---------------------------------------------------------------- report fields
def _info_problem(report, rule: str, code: str, *cases: str, en=None, **fields) -> Problem:
    cell = report.info_cells.get(code)
    digits = "".join(ch for ch in cell or "" if ch.isdigit())
    value = report.info.get(code)
    if isinstance(value, date):
        value = f"{value:%d/%m/%Y}"
    return problem(rule, *cases, en=en, **fields, sheet="thong_tin", row=int(digits) if digits else None,
                   column=code, cell=cell, value=None if value is None else str(value))


def info_rules(report, today: date) -> list[Problem]:
    """The period against today, the report date against the period, the communes against the reference."""
    out = _communes_against_reference(report)
    p = _period(report)
    if p is None:
        return out
    if p.is_future(today):
        out.append(_info_problem(report, "period.future", "period", period=p.code))
    signed = _day(report.info.get("report_date"))
    if signed is None:
        return out
    if signed < p.start:
        out.append(_info_problem(report, "report_date.before_period", "report_date", signed=f"{signed:%d/%m/%Y}",
                                 period=p.code, start=f"{p.start:%d/%m/%Y}"))
    elif signed > today:
        out.append(_info_problem(report, "report_date.future", "report_date", signed=f"{signed:%d/%m/%Y}"))
    elif signed > p.end + LATE_REPORT:
        out.append(_info_problem(report, "report_date.late", "report_date", signed=f"{signed:%d/%m/%Y}",
                                 period=p.code))
    return out


def _communes_against_reference(report) -> list[Problem]:
    province = report.info.get("province")
    code = next((c for c in ("communes_total", "communes_covered") if report.info.get(c) is not None), None)
    if not province or code is None:
        return []
    known, verified = reference.border_communes(province)
    given = int(report.info[code])
    if not known or given <= known:
        return []
    label = contract.THONG_TIN.column(code)
    return [_info_problem(report, "info.communes_over_reference", code, *(() if verified else ("unverified",)),
                          label_vi=label.label_vi, label_en=label.label_en, given=given, known=known)]


# ---------------------------------------------------------------- rows of a table sheet
# The table rules take a ReportBatch (schemas/batch.py): every report's rows in one frame with their owner
# (REPORT), so each rule runs a handful of vectorised steps per batch, and builds messages only for the
# rows that break it. They return (report position, Problem) pairs.
def _row_problem(report, sheet: str, excel_row, column: str, rule: str, *cases: str, value=None, en=None,
                 **fields) -> Problem:
    letter = report.columns.get(sheet, {}).get(column)
    row = int(excel_row)
    return problem(rule, *cases, en=en, **fields, sheet=sheet, row=row, column=column,
                   cell=f"{letter}{row}" if letter else None, value=None if value is None else str(value))


def _rows_vi(rows: list[int]) -> tuple[str, str]:
    return ", ".join(f"dòng {r}" for r in rows), ", ".join(f"row {r}" for r in rows)


def _province_borders(report) -> tuple[str, str, Period, list[str]] | None:
    """(province, its name, period, its borders on the period's last day), or None when the report's
    province or period is unknown (already reported on thong_tin)."""
    province, p = report.info.get("province"), _period(report)
    if p is None or not province:
        return None
    try:
        name = reference.province(province).name_vi
    except KeyError:
        return None
    return province, name, p, reference.borders_of(province, p.end)


def border_rules(batch) -> list[tuple[int, Problem]]:
    """Segments against each province's borders and their reference totals, and markers claimed twice."""
    seg = batch.tables["doan_bien_gioi"]
    context = {i: c for i, r in enumerate(batch.reports) if (c := _province_borders(r)) is not None}
    seg = seg[seg[REPORT].isin(list(context))]
    if seg.empty:
        return []
    known = set(v.code for v in reference.enumeration("border"))        # other values: SegmentsSchema
    allowed = {(i, b) for i, c in context.items() for b in c[3]}
    wrong = pd.Series([b in known and (i, b) not in allowed for i, b in zip(seg[REPORT], seg["border"])],
                      index=seg.index, dtype=bool)
    out = []
    for r in seg.loc[wrong, [REPORT, "excel_row", "border"]].itertuples(index=False):
        report, (_, name, _, borders) = batch.reports[r[0]], context[r[0]]
        out.append((r[0], _row_problem(report, "doan_bien_gioi", r.excel_row, "border",
                                       "segments.border_not_of_province", *(() if borders else ("no_land_border",)),
                                       name=name, border=enum_label("border", r.border),
                                       borders="; ".join(enum_label("border", b) for b in borders),
                                       en={"border": enum_label_en("border", r.border),
                                           "borders": "; ".join(enum_label_en("border", b) for b in borders)},
                                       value=enum_label("border", r.border))))
    mine = seg[~wrong]                             # rows with a wrong border were reported above
    sums = {"length_km": mine["length_km"].fillna(0), "markers": mine["markers"].fillna(0)}
    per_border = pd.DataFrame(sums).groupby([mine[REPORT], mine["border"]]).sum()
    whole = pd.DataFrame(sums).groupby(mine[REPORT]).sum()
    groups = [((i, b), row) for (i, b), row in per_border.iterrows() if (i, b) in allowed]
    groups += [((i, reference.ALL_BORDERS), row) for i, row in whole.iterrows()]
    over: set[tuple[int, str]] = set()                # (report, rule) already over its one border's total
    for (i, border), totals in groups:
        province, _, p, borders = context[i]
        rows = partial(_group_rows, mine, i, border)
        for found in _over_total(batch.reports[i], province, border, p.end, totals, rows):
            if border == reference.ALL_BORDERS and len(borders) == 1 and (i, found.rule) in over:
                continue        # one land border: its whole land border is the same figure, said once
            over.add((i, found.rule))
            out.append((i, found))
    return out + marker_overlaps(batch, seg)


def _group_rows(mine: pd.DataFrame, i: int, border: str) -> pd.DataFrame:
    """Report i's rows on `border` (all its rows for the whole land border)."""
    rows = mine[mine[REPORT] == i]
    return rows if border == reference.ALL_BORDERS else rows[rows["border"] == border]


def _over_total(report, province: str, border: str, day: date, totals, rows) -> list[Problem]:
    """For each total the registered figures exceed, one problem on each of the largest rows (the ones a slip
    most likely sits in: each is coloured and noted in the steward's copy), all with the same message;
    `rows()` gives the group's rows, asked for only then."""
    total = reference.border_total(province, border, day)
    whole = border == reference.ALL_BORDERS
    scope_vi = "toàn bộ biên giới đất liền của tỉnh" if whole else f"tuyến {enum_label('border', border)} của tỉnh"
    scope_en = ("the province's whole land border" if whole else
                f"the province's {enum_label_en('border', border)} border")
    source_vi, source_en = total.source_vi or total.source or "không rõ nguồn", total.source or "source unknown"
    out = []
    for column, limit, decimals, unit_vi, unit_en, rule in (
            ("length_km", total.total_km, 3, "km", "km", "segments.km_over_total"),
            ("markers", total.total_markers, 0, "cột mốc", "markers", "segments.markers_over_total")):
        registered = totals[column]
        if limit is None or pd.isna(registered) or registered <= limit + 0.5 * 10 ** -decimals:
            continue
        group = rows()
        top = group[group[column] > 0].nlargest(TOP_ROWS, column)[["excel_row", column]]
        top = [(int(r), v) for r, v in top.itertuples(index=False)]
        top_vi = ", ".join(f"dòng {r} ({vi_number(v, decimals)} {unit_vi})" for r, v in top)
        top_en = ", ".join(f"row {r} ({en_number(v, decimals)} {unit_en})" for r, v in top)
        label = contract.DOAN_BIEN_GIOI.column(column)
        fields = {"label_vi": label.label_vi, "label_en": label.label_en, "registered": vi_number(registered, decimals),
                  "limit": vi_number(limit, decimals), "unit": unit_vi, "scope": scope_vi, "source": source_vi,
                  "top": top_vi}
        english = {"registered": en_number(registered, decimals), "limit": en_number(limit, decimals), "unit": unit_en,
                   "scope": scope_en, "source": source_en, "top": top_en}
        out += [_row_problem(report, "doan_bien_gioi", r, column, rule, **fields, en=english,
                             value=vi_number(v, decimals)) for r, v in top]
    return out


def marker_keys(codes: pd.Series) -> pd.Series:
    """Sortable integer keys for marker codes (`120` → 1_200_000, `120/1` → 1_200_001); NA when unreadable."""
    # a batch's reports name the same markers again and again: each distinct code is parsed once
    position, distinct = pd.factorize(codes.astype("string"))
    keys = _marker_keys(pd.Series(distinct, dtype="string")).array
    return pd.Series(keys.take(position, allow_fill=True), index=codes.index)


def _marker_keys(codes: pd.Series) -> pd.Series:
    parts = codes.str.lower().str.extract(_MARKER)
    main = pd.to_numeric(parts[0], errors="coerce").astype("Int64")
    sub = pd.to_numeric(parts[1], errors="coerce").astype("Int64").fillna(0)
    return (main * _SUB_SCALE + sub.clip(upper=_SUB_SCALE - 1)).astype("Int64")


def marker_overlaps(batch, seg: pd.DataFrame) -> list[tuple[int, Problem]]:
    """Rows whose marker ranges overlap another row's of the same report and border (both ends count)."""
    frame = seg[[REPORT, "border", "marker_from", "marker_to", "excel_row"]].copy()
    out = []
    for column in ("marker_from", "marker_to"):
        key = marker_keys(frame[column])
        frame[f"{column}_key"] = key
        bad = frame[column].notna() & key.isna()
        for r in frame.loc[bad, [REPORT, "excel_row", column]].itertuples(index=False):
            out.append((r[0], _row_problem(batch.reports[r[0]], "doan_bien_gioi", r[1], column,
                                           "segments.marker_unreadable", value=r[2])))
    a = frame["marker_from_key"].fillna(frame["marker_to_key"])    # one end given: a single marker
    b = frame["marker_to_key"].fillna(frame["marker_from_key"])
    ranges = pd.DataFrame({REPORT: frame[REPORT], "border": frame["border"], "row": frame["excel_row"].astype("int64"),
                           "start": pd.concat([a, b], axis=1).min(axis=1),        # stretches written backwards too
                           "end": pd.concat([a, b], axis=1).max(axis=1)})
    ranges = ranges[ranges["border"].notna() & ranges["start"].notna()]
    if len(ranges) < 2:
        return out
    ranges = ranges.astype({"start": "int64", "end": "int64"}).sort_values([REPORT, "border", "start", "end"],
                                                                          kind="stable")
    line = [ranges[REPORT], ranges["border"]]               # one border line of one report
    reach = ranges.groupby(line, sort=False)["end"].cummax()  # furthest marker claimed so far on this line
    holder = ranges["row"].where(ranges["end"] == reach)    # ... and the row that claims it
    holder = holder.groupby(line, sort=False).ffill()
    prev_reach = reach.groupby(line, sort=False).shift(1)
    prev_holder = holder.groupby(line, sort=False).shift(1)
    hit = prev_reach.notna() & (ranges["start"] <= prev_reach)
    if not hit.any():
        return out
    pairs = pd.DataFrame({REPORT: ranges.loc[hit, REPORT], "row": ranges.loc[hit, "row"],
                          "other": prev_holder[hit].astype("int64")})
    pairs = pd.concat([pairs, pairs.rename(columns={"row": "other", "other": "row"})]).drop_duplicates()
    written = frame["marker_from"].fillna("").str.cat(frame["marker_to"].fillna(""), sep="–").str.strip("–")
    written = dict(zip(zip(frame[REPORT], frame["excel_row"].astype("int64")), written))
    for (i, row), others in pairs.groupby([REPORT, "row"])["other"]:
        listed = sorted(others)
        more_vi = f" và {len(listed) - TOP_ROWS} dòng khác" if len(listed) > TOP_ROWS else ""
        more_en = f" and {len(listed) - TOP_ROWS} more" if len(listed) > TOP_ROWS else ""
        where_vi, where_en = _rows_vi(listed[:TOP_ROWS])
        shown = written[(i, row)]
        out.append((int(i), _row_problem(
            batch.reports[i], "doan_bien_gioi", row, "marker_from", "segments.marker_claimed_twice",
            rows=where_vi, more=more_vi, en={"rows": where_en, "more": more_en}, value=shown)))
    return out


# ---------------------------------------------------------------- activities
def activity_rules(batch) -> list[tuple[int, Problem]]:
    """One row per activity kind in each report; cumulative figures start no later than the period."""
    act = batch.tables["hoat_dong"]
    if act.empty:
        return []
    out = []
    kinds = {v.code: v for v in reference.enumeration("activity")}      # other values: ActivitiesSchema
    known = act[act["activity"].isin(list(kinds))]
    first = known.groupby([REPORT, "activity"])["excel_row"].transform("min")
    again = known["excel_row"] != first
    for i, excel_row, code, row in zip(known.loc[again, REPORT], known.loc[again, "excel_row"],
                                       known.loc[again, "activity"], first[again]):
        kind = kinds[code]
        out.append((int(i), _row_problem(batch.reports[i], "hoat_dong", excel_row, "activity", "activities.repeated",
                                         kind=kind.label_vi, en={"kind": kind.label_en}, first_row=int(row),
                                         value=kind.label_vi)))
    years = {i: p.end.year for i, rep in enumerate(batch.reports) if (p := _period(rep)) is not None}
    dated = act[act["since"].notna() & act[REPORT].isin(list(years))]
    late = dated[dated["since"].astype("int64") > dated[REPORT].map(years)]
    for i, excel_row, since in zip(late[REPORT], late["excel_row"], late["since"]):
        p = _period(batch.reports[i])
        out.append((int(i), _row_problem(batch.reports[i], "hoat_dong", excel_row, "since",
                                         "activities.since_after_period", period=p.code, value=since)))
    return out


# ---------------------------------------------------------------- award decisions
def award_rules(batch, today: date) -> list[tuple[int, Problem]]:
    """Decision dates against each report's period and report date (see the module docstring)."""
    aw = batch.tables["khen_thuong"]
    periods = {i: p for i, r in enumerate(batch.reports) if (p := _period(r)) is not None}
    aw = aw[aw[REPORT].isin(list(periods)) & aw["decision_date"].notna()]
    if aw.empty:
        return []
    signed = {i: _day(batch.reports[i].info.get("report_date")) or today for i in periods}
    owner = aw[REPORT]
    dates = pd.to_datetime(aw["decision_date"])
    start = pd.to_datetime(owner.map({i: p.start for i, p in periods.items()}))
    end = pd.to_datetime(owner.map({i: p.end for i, p in periods.items()}))
    after_report = dates > pd.to_datetime(owner.map(signed))
    too_early = ~after_report & (dates < start - DECISION_TOO_EARLY)
    outside = ~after_report & ~too_early & ((dates < start) | (dates > end + DECISION_GRACE))
    out = []
    for mask, rule in ((after_report, "awards.decision_after_report"),
                       (too_early, "awards.decision_long_before_period"),
                       (outside, "awards.decision_outside_period")):
        for r in aw.loc[mask.fillna(False).astype(bool), [REPORT, "excel_row", "decision_date"]].itertuples(index=False):
            p = periods[r[0]]
            out.append((r[0], _row_problem(batch.reports[r[0]], "khen_thuong", r.excel_row, "decision_date", rule,
                                           signed=f"{signed[r[0]]:%d/%m/%Y}", period=p.code,
                                           start=f"{p.start:%d/%m/%Y}", end=f"{p.end:%d/%m/%Y}",
                                           value=f"{r.decision_date:%d/%m/%Y}")))
    return out
