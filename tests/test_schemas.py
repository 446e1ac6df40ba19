"""pandera schemas and the cross-sheet rules: each rule good and bad, exact cells, every error in one pass."""
from __future__ import annotations

import time
from datetime import date
from pathlib import Path

import pandas as pd

from cotmoc.normalise import Report
from schemas import validate_report

TODAY = date(2026, 11, 22)


def make_report(teams=(), segments=(), awards=(), **info) -> Report:
    def frame(rows, columns):
        df = pd.DataFrame(list(rows), columns=columns)
        df["excel_row"] = range(4, 4 + len(df))
        return df
    teams = frame(teams, ["district", "commune", "team_type", "teams", "members", "households", "note"])
    segs = frame(segments, ["border", "district", "commune", "collective", "marker_from", "marker_to", "length_km",
                            "markers", "border_works", "households", "persons", "registered_on"])
    awards = frame(awards, ["decision_no", "decision_date", "issuer", "award_form", "collectives", "individuals", "note"])
    for df, ints in ((teams, ["teams", "members", "households"]),
                     (segs, ["markers", "border_works", "households", "persons"]), (awards, ["collectives", "individuals"])):
        for c in ints:
            df[c] = df[c].astype("Int64")
        for c in df.columns:
            if df[c].dtype == object:
                df[c] = df[c].astype("string")
    segs["length_km"] = segs["length_km"].astype("Float64")
    segs["registered_on"] = pd.to_datetime(segs["registered_on"])
    awards["decision_date"] = pd.to_datetime(awards["decision_date"])
    base = {"province": "dien_bien", "period": "2016", "report_date": date(2017, 4, 25), "template_version": "1",
            "_cells": {"province": "C3", "period": "C4", "report_date": "C8", "template_version": "C9"}}
    letters = {"to_tu_quan": dict(zip(["district", "commune", "team_type", "teams", "members", "households", "note"], "ABCDEFG")),
               "doan_bien_gioi": dict(zip(["border", "district", "commune", "collective", "marker_from", "marker_to",
                                           "length_km", "markers", "border_works", "households", "persons", "registered_on"], "ABCDEFGHIJKL")),
               "khen_thuong": dict(zip(["decision_no", "decision_date", "issuer", "award_form", "collectives", "individuals", "note"], "ABCDEFG"))}
    return Report(Path("x.xlsx"), base | info, teams, segs, awards, letters, [])


def seg(border="VN-LA", km=1.0, markers=1, households=2, persons=3, frm=None, to=None):
    return [border, None, "Mường Nhà", "Bản A", frm, to, km, markers, 0, households, persons, None]


def test_a_clean_report_has_no_problems():
    r = make_report(teams=[[None, "Mường Nhà", "antt_thon_ban", 3, 20, None, None]], segments=[seg()],
                    awards=[[None, "2016-12-01", "ubnd_huyen", "giay_khen", 2, 3, None]])
    assert validate_report(r, today=TODAY) == []


def test_every_error_in_one_pass_with_exact_cells():
    r = make_report(teams=[[None, "X", "antt_thon_ban", 15, 12, None, None]],
                    segments=[seg(km=-1.0), seg(households=5, persons=2), seg(border="VN-KH")],
                    awards=[[None, "2016-12-01", "ubnd_huyen", "giay_khen", 0, 0, None]])
    problems = validate_report(r, today=TODAY)
    cells = {(p.rule, p.cell) for p in problems}
    assert ("teams.members_fewer_than_teams", "E4") in cells
    assert ("value.negative", "G4") in cells
    assert ("segments.persons_fewer_than_households", "K5") in cells
    assert ("segments.border_not_of_province", "A6") in cells
    assert ("awards.nobody_honoured", "E4") in cells
    members = next(p for p in problems if p.rule == "teams.members_fewer_than_teams")
    assert "(12)" in members.message_vi and "(15)" in members.message_vi


def test_border_totals_and_the_whole_border():
    over_cn = make_report(segments=[seg(border="VN-CN", km=30.0), seg(border="VN-CN", km=11.0)])
    assert [p.rule for p in validate_report(over_cn, today=TODAY)] == ["segments.km_over_total"]
    over_markers = make_report(segments=[seg(markers=100), seg(markers=88)])
    assert [p.rule for p in validate_report(over_markers, today=TODAY)] == ["segments.markers_over_total"]
    within = make_report(segments=[seg(border="VN-CN", km=40.0, markers=0), seg(km=360.0, markers=187)])
    assert validate_report(within, today=TODAY) == []


def test_a_marker_claimed_by_two_stretches():
    r = make_report(segments=[seg(frm="10", to="20"), seg(frm="20/1", to="25"), seg(frm="24", to="30"),
                              seg(border="VN-CN", frm="24", to="26")])
    overlaps = [p for p in validate_report(r, today=TODAY) if p.rule == "segments.marker_claimed_twice"]
    assert sorted(p.row for p in overlaps) == [5, 6]


def test_period_dates_and_template_version():
    future = make_report(period="2027", report_date=date(2026, 1, 1))
    assert {p.rule for p in validate_report(future, today=TODAY)} == {"period.future", "report_date.before_period"}
    stale = make_report(template_version="0")
    problem = validate_report(stale, today=TODAY)[0]
    assert (problem.rule, problem.cell) == ("template.version_unknown", "C9")
    late_decision = make_report(awards=[[None, "2019-01-01", "ubnd_tinh", "bang_khen", 1, 0, None]])
    assert [p.severity for p in validate_report(late_decision, today=TODAY)] == ["warning"]


def test_a_large_report_validates_quickly():
    rows = [seg(km=0.001, markers=0, frm=None) for _ in range(100_000)]
    r = make_report(segments=rows)
    start = time.perf_counter()
    assert validate_report(r, today=TODAY) == []
    assert time.perf_counter() - start < 30       # generous: shared machines; bench/ measures properly
