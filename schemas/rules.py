"""Rules across sheets and against reference data (CONTRACT.md §1), vectorised for large reports.

- template version: one this system reads (ERROR otherwise: the steward downloads the current template);
- period: not in the future (ERROR); report date not before the period starts (ERROR), not in the future
  (ERROR), and a WARNING when it is more than two years after the period ends;
- border: one of the province's borders at the end of the period (ERROR on the row);
- per border, and for the whole land border (`ALL`), registered km and markers within the reference
  totals when those are known (ERROR naming the largest contributing rows);
- a marker claimed by two stretches (ERROR on both rows); marker codes like `120`, `120/1`, `120(2)`;
- decision date: within the period or up to six months after it (WARNING otherwise: late decisions
  happen, but a decision from another year usually belongs to another report).
"""
from __future__ import annotations

import re
from datetime import date, timedelta

import pandas as pd

from cotmoc import contract, reference
from cotmoc.periods import Period
from cotmoc.problems import ERROR, WARNING, Problem

_MARKER = re.compile(r"^\s*(\d+)\s*(?:[/(.-]\s*(\d+)\s*\)?)?\s*$")


def _info_problem(report, severity, rule, code, vi, en, fix_vi, fix_en) -> Problem:
    cell = report.info.get("_cells", {}).get(code)
    value = report.info.get(code)
    return Problem(severity, rule, vi, en, fix_vi, fix_en, sheet="thong_tin",
                   row=int(cell[1:]) if cell else None, column=code, cell=cell,
                   value=None if value is None else str(value))


def info_rules(report, today: date) -> list[Problem]:
    out = []
    version = report.info.get("template_version")
    if version is not None and str(version) not in contract.KNOWN_TEMPLATE_VERSIONS:
        out.append(_info_problem(report, ERROR, "template.version_unknown", "template_version",
                                 f"Mẫu báo cáo phiên bản '{version}' đã cũ hoặc không được hỗ trợ",
                                 f"Template version '{version}' is stale or not supported",
                                 f"Tải mẫu mới (phiên bản {contract.TEMPLATE_VERSION}), chép số liệu sang rồi gửi lại",
                                 f"Download the current template (version {contract.TEMPLATE_VERSION}), copy the figures over and send it again"))
    period = report.info.get("period")
    if not period:
        return out
    p = Period.parse(period)
    if p.is_future(today):
        out.append(_info_problem(report, ERROR, "period.future", "period", f"Kỳ báo cáo {p.code} chưa bắt đầu",
                                 f"The period {p.code} has not started yet", "Kiểm tra lại năm của kỳ báo cáo",
                                 "Check the period's year"))
    signed = report.info.get("report_date")
    if isinstance(signed, date):
        if signed < p.start:
            out.append(_info_problem(report, ERROR, "report_date.before_period", "report_date",
                                     f"Ngày ký {signed:%d/%m/%Y} trước khi kỳ {p.code} bắt đầu",
                                     f"Report date {signed:%d/%m/%Y} is before the period {p.code} starts",
                                     "Kiểm tra ngày ký và kỳ báo cáo", "Check the report date and the period"))
        elif signed > today:
            out.append(_info_problem(report, ERROR, "report_date.future", "report_date",
                                     f"Ngày ký {signed:%d/%m/%Y} ở tương lai", f"Report date {signed:%d/%m/%Y} is in the future",
                                     "Kiểm tra ngày ký", "Check the report date"))
        elif signed > p.end + timedelta(days=730):
            out.append(_info_problem(report, WARNING, "report_date.late", "report_date",
                                     f"Ngày ký {signed:%d/%m/%Y} cách kỳ {p.code} hơn hai năm",
                                     f"Report date {signed:%d/%m/%Y} is more than two years after {p.code}",
                                     "Kiểm tra lại kỳ báo cáo", "Check the period"))
    return out


def _row_problem(report, sheet: str, row, column: str, severity, rule, vi, en, fix_vi, fix_en, value=None) -> Problem:
    letter = report.columns.get(sheet, {}).get(column)
    excel_row = int(row)
    return Problem(severity, rule, vi, en, fix_vi, fix_en, sheet=sheet, row=excel_row, column=column,
                   cell=f"{letter}{excel_row}" if letter else None, value=None if value is None else str(value))


def border_rules(report) -> list[Problem]:
    province, period = report.info.get("province"), report.info.get("period")
    seg = report.segments
    if not province or not period or seg.empty:
        return []
    end = Period.parse(period).end
    name = reference.province(province).name_vi
    allowed = set(reference.borders_of(province, end))
    out = []
    wrong = seg[seg["border"].notna() & ~seg["border"].isin(list(allowed))]
    for r in wrong.itertuples(index=False):
        out.append(_row_problem(report, "doan_bien_gioi", r.excel_row, "border", ERROR, "segments.border_not_of_province",
                                f"Tỉnh {name} không có tuyến biên giới {r.border}", f"{name} has no {r.border} border",
                                "Chọn tuyến biên giới của tỉnh trong danh sách", "Pick one of the province's borders",
                                value=r.border))
    groups = [(b, seg[seg["border"] == b]) for b in sorted(allowed)] + [(reference.ALL_BORDERS, seg)]
    for border, rows in groups:
        total = reference.border_total(province, border, end)
        for column, limit, unit_vi, unit_en in (("length_km", total.total_km, "km", "km"),
                                                ("markers", total.total_markers, "cột mốc", "markers")):
            registered = rows[column].sum(skipna=True)
            if limit is None or rows.empty or registered <= limit + 1e-9:
                continue
            top = rows.nlargest(3, column)
            where = ", ".join(f"dòng {int(x)}" for x in top["excel_row"])
            where_en = ", ".join(f"row {int(x)}" for x in top["excel_row"])
            scope_vi = "toàn tuyến biên giới của tỉnh" if border == reference.ALL_BORDERS else f"tuyến {border}"
            scope_en = "the province's whole land border" if border == reference.ALL_BORDERS else f"the {border} border"
            first = top.iloc[0]
            out.append(_row_problem(
                report, "doan_bien_gioi", first["excel_row"], column, ERROR,
                "segments.km_over_total" if column == "length_km" else "segments.markers_over_total",
                f"Tổng {registered:,.3f} {unit_vi} đăng ký vượt quá tổng {limit:,.3f} {unit_vi} của {scope_vi} "
                f"(lớn nhất: {where})".replace(".000 ", " "),
                f"{registered:,.3f} {unit_en} registered exceed the {limit:,.3f} {unit_en} of {scope_en} "
                f"(largest: {where_en})".replace(".000 ", " "),
                *(("Kiểm tra các dòng lớn nhất: có thể gõ nhầm đơn vị (m thay vì km) hoặc thừa chữ số",
                   "Check the largest rows: a unit typed wrong (m for km) or an extra digit") if column == "length_km"
                  else ("Kiểm tra các dòng lớn nhất: có thể thừa chữ số, hoặc một mốc được đếm hai lần",
                        "Check the largest rows: an extra digit, or a marker counted twice")), value=first[column]))
    out += _marker_overlaps(report, seg)
    return out


def _marker_keys(codes: pd.Series) -> pd.Series:
    """Sortable numbers for marker codes: 120 → 120.0000, 120/1 → 120.0001 (NaN when unreadable)."""
    parts = codes.astype("string").str.extract(_MARKER.pattern)
    main = pd.to_numeric(parts[0], errors="coerce")
    sub = pd.to_numeric(parts[1], errors="coerce").fillna(0)
    return (main + sub / 10000).astype("float64")


def _marker_overlaps(report, seg: pd.DataFrame) -> list[Problem]:
    frame = seg[["border", "marker_from", "marker_to", "excel_row"]].copy()
    frame["start"] = _marker_keys(frame["marker_from"])
    frame["end"] = _marker_keys(frame["marker_to"])
    frame["end"] = frame["end"].fillna(frame["start"])
    out = []
    unreadable = frame[(frame["marker_from"].notna() & frame["start"].isna())]
    for r in unreadable.itertuples(index=False):
        out.append(_row_problem(report, "doan_bien_gioi", r.excel_row, "marker_from", WARNING, "segments.marker_unreadable",
                                f"Không đọc được số hiệu mốc '{r.marker_from}'", f"Marker code '{r.marker_from}' cannot be read",
                                "Ghi số hiệu mốc dạng 120 hoặc 120/1", "Write marker codes like 120 or 120/1",
                                value=r.marker_from))
    frame = frame[frame["start"].notna()].copy()
    swap = frame["end"] < frame["start"]
    frame.loc[swap, ["start", "end"]] = frame.loc[swap, ["end", "start"]].values
    for border, rows in frame.groupby("border", dropna=False):
        rows = rows.sort_values("start", kind="stable")
        running_end, running_row = None, None
        for r in rows.itertuples(index=False):
            if running_end is not None and r.start <= running_end:
                for row, other in ((r.excel_row, running_row), (running_row, r.excel_row)):
                    out.append(_row_problem(report, "doan_bien_gioi", row, "marker_from", ERROR, "segments.marker_claimed_twice",
                                            f"Đoạn mốc này trùng với đoạn ở dòng {other} (một mốc chỉ do một tập thể tự quản)",
                                            f"This stretch's markers overlap the stretch on row {other} (a marker belongs to one stretch)",
                                            "Sửa số hiệu mốc đầu/cuối cho khỏi trùng", "Correct the first/last markers so they do not overlap"))
            if running_end is None or r.end > running_end:
                running_end, running_row = r.end, r.excel_row
    return out


def award_rules(report) -> list[Problem]:
    period, aw = report.info.get("period"), report.awards
    if not period or aw.empty:
        return []
    p = Period.parse(period)
    dates = pd.to_datetime(aw["decision_date"])
    outside = dates.notna() & ((dates < pd.Timestamp(p.start)) | (dates > pd.Timestamp(p.end + timedelta(days=183))))
    return [_row_problem(report, "khen_thuong", r.excel_row, "decision_date", WARNING, "awards.decision_outside_period",
                         f"Quyết định ngày {r.decision_date:%d/%m/%Y} nằm ngoài kỳ {p.code}",
                         f"Decision dated {r.decision_date:%d/%m/%Y} falls outside the period {p.code}",
                         "Kiểm tra ngày quyết định, hoặc báo cáo nó ở kỳ tương ứng",
                         "Check the date, or report the decision in its own period", value=f"{r.decision_date:%d/%m/%Y}")
            for r in aw[outside].itertuples(index=False)]
