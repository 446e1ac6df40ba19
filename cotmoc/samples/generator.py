"""Synthetic, reproducible reports for every expected province and period (tests, benchmarks, training).

Each file depends only on (seed, province, period), so one report can be regenerated alone and a
larger run contains the same files as a smaller one. Figures stay within each province's border
totals, with headroom, so a generated report is always valid unless a test spoils it on purpose.
A province's series grows smoothly (its own base, drawn once per province, and a few per cent a year),
so that consecutive reports pass the period-over-period checks as real ones mostly do.
"""
from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import Path

from cotmoc.core.errors import UsageError
from cotmoc.core import reference
from cotmoc.core.periods import HALF, YEAR, Period
from cotmoc.samples.base import SampleReport, km_from_metres, marker_ranges, split_total
from cotmoc.samples.names import village_names

_FALLBACK_KM = 100.0          # a border whose length is unknown: assume a modest one
_TEAM_TYPES = ["duong_bien_cot_moc", "antt_thon_ban", "doan_ket_antt", "ket_nghia_cum_dan_cu", "khac"]
_COASTAL = {"quang_ninh", "kien_giang", "an_giang"}
LARGE_ROWS = 100_000          # segment rows of a "large" report (the benchmark's big workbook)
SIZES = ("normal", "large")


def _communes(province: str, day: date) -> list[tuple[str, str]]:
    rows = reference.load_table("communes")
    members = set(reference.constituents(province)) if day >= reference.MERGER_DAY else {province}
    rows = rows[rows["province_code"].isin(members)]
    pairs = list(zip(rows["district"], rows["commune"]))
    if day >= reference.MERGER_DAY:          # districts were abolished in July 2025
        pairs = [("", c) for _, c in pairs]
    return pairs or [("", "Xã Biên Giới")]


def _rows_by_length(rows: int, province: str, borders: list[str], day: date) -> list[int]:
    """`rows` split over the borders in proportion to their length (at least one each, when rows allow)."""
    km = [reference.border_total(province, b, day).total_km or _FALLBACK_KM for b in borders]
    counts = [max(1, int(rows * k / sum(km))) if rows >= len(borders) else 0 for k in km]
    counts[km.index(max(km))] += rows - sum(counts)      # rounding goes to the longest border
    return counts


def _day_in(rng: random.Random, p: Period) -> date:
    return p.start + timedelta(days=rng.randrange((p.end - p.start).days + 1))


def generate_report(province: str, period: str, *, seed: int, size: str = "normal",
                    segment_rows: int | None = None) -> SampleReport:
    """One realistic report for (province, period), the same for the same seed.

    `size` "large" means LARGE_ROWS segment rows; `segment_rows` sets the count exactly. Rows are spread over
    the borders in proportion to their length, each a whole number of metres, and the lengths of a border's
    rows never add up past its budget (total km × coverage): when a border has more rows than metres in
    that budget (100,000 rows on Đồng Tháp's 48.7 km), the rows past the budget get 0.000 km, a village
    sharing a stretch already counted, rather than breaking the border total.
    """
    if size not in SIZES:
        raise UsageError(f"Cỡ báo cáo không hợp lệ '{size}' (normal|large) — unknown size '{size}'")
    segment_rows = segment_rows or (LARGE_ROWS if size == "large" else None)
    p = Period.parse(period)
    rng = random.Random(f"{seed}:{province}:{p.code}")
    base = random.Random(f"{seed}:{province}")               # the province's own level, the same every period
    growth = min(p.start.year - 2016 + (0.5 if p.half == 2 else 0.0), 12) if p.start.year >= 2016 else 0
    coverage = min(0.45 + 0.2 * base.random() + 0.02 * growth, 0.88)     # rises a little every period
    communes = _communes(province, p.end)
    borders = reference.borders_of(province, p.end)
    counts = (_rows_by_length(segment_rows, province, borders, p.end) if segment_rows
              else [rng.randint(8, 40) for _ in borders])
    all_total = reference.border_total(province, "ALL", p.end)
    segments, village_pool = [], village_names(rng, province, sum(counts))
    next_village = 0
    for border, n in zip(borders, counts):
        total = reference.border_total(province, border, p.end)
        km = total.total_km or _FALLBACK_KM
        if all_total.total_km:                      # both limits hold: the border's and the province's
            km = min(km, all_total.total_km * km / sum((reference.border_total(province, b, p.end).total_km
                                                        or _FALLBACK_KM) for b in borders))
        metres = int(km * 1000 * coverage)
        shortest = min(200, metres // n) if not segment_rows else (1 if metres >= n else 0)
        lengths = km_from_metres(split_total(rng, metres, n, minimum=shortest))
        marker_budget = total.total_markers or max(int(km / 2.5), 1)
        if all_total.total_markers:
            marker_budget = min(marker_budget, all_total.total_markers // len(borders))
        markers = split_total(rng, int(marker_budget * (coverage - 0.05)), n)
        ranges = marker_ranges(markers, start=rng.randint(1, 50))
        for j in range(n):
            district, commune = communes[rng.randrange(len(communes))]
            households = rng.randint(3, 60)
            segments.append({
                "border": border, "district": district or None, "commune": commune,
                "collective": village_pool[next_village], "marker_from": ranges[j][0], "marker_to": ranges[j][1],
                "length_km": lengths[j], "markers": markers[j], "border_works": int(rng.random() < 0.05),
                "households": households, "persons": households + rng.randint(0, households),
                "registered_on": _day_in(rng, p)})
            next_village += 1
    team_types = _TEAM_TYPES + (["ben_bai_an_toan", "tau_thuyen_an_toan"] if province in _COASTAL else [])
    teams = []
    for district, commune in base.sample(communes, min(len(communes), base.randint(3, 8))):
        for team_type in base.sample(team_types, base.randint(1, 3)):
            level, members_per, households_per = base.randint(5, 40), base.randint(4, 9), base.randint(5, 15)
            n = max(1, round(level * (1 + 0.03 * growth) * rng.uniform(0.95, 1.05)))
            teams.append({"district": district or None, "commune": commune, "team_type": team_type, "teams": n,
                          "members": n * members_per, "households": n * households_per})
    awards = []
    for k in range(rng.randint(1, 5)):
        form = rng.choice(["co_thi_dua", "bang_khen", "giay_khen"])
        issuer = rng.choice(["ubnd_tinh", "bo_tu_lenh_bdbp", "mttq_tinh"] + (["ubnd_huyen"] if p.end < reference.MERGER_DAY else []))
        collectives = rng.randint(0, 10)
        awards.append({"decision_no": f"{rng.randint(10, 999)}/QĐ-{'UBND' if issuer.startswith('ubnd') else 'KT'}",
                       "decision_date": _day_in(rng, p), "issuer": issuer, "award_form": form,
                       "collectives": collectives, "individuals": rng.randint(0 if collectives else 1, 20)})
    name = reference.province(province).name_vi
    info = {"province": province, "period": p.code, "reporting_unit": f"Bộ Chỉ huy BĐBP tỉnh {name}",
            "prepared_by": "Phòng Vận động quần chúng", "phone": f"0{rng.randint(200, 299)} {rng.randint(1000000, 9999999)}",
            "report_date": p.end + timedelta(days=rng.randint(5, 40)), "template_version": "1"}
    return SampleReport(f"{province}_{p.code}.xlsx", info, teams, segments, awards)


def sample_periods(years: list[int] | None = None, kinds: tuple[str, ...] = (YEAR, HALF),
                   until: date | None = None) -> list[str]:
    """Period codes with reports: the schedule's periods that have ended (or the years asked for)."""
    periods = reference.expected_periods(until or date.today())
    if years:
        periods = [q for q in periods if Period.parse(q).year in set(years)]
    return [q for q in periods if Period.parse(q).kind in kinds]


def write_samples(out_dir: Path | str, *, seed: int, provinces: list[str] | None = None,
                  periods: list[int] | None = None, kinds: tuple[str, ...] = (YEAR, HALF),
                  segment_rows: int | None = None) -> list[Path]:
    """Write one workbook per expected (province, period); `periods` are years (e.g. [2016, 2017])."""
    out = Path(out_dir)
    paths = []
    for period in sample_periods(periods, kinds):
        for province in reference.expected_reporters(period):
            if provinces and province not in provinces:
                continue
            report = generate_report(province, period, seed=seed, segment_rows=segment_rows)
            paths.append(report.write(out / report.file_name))
    return paths
