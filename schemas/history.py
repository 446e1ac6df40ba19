"""Period-over-period checks: figures that jump against the province's previous report of the same kind.
The file is still accepted; the steward and `validation_issues` get a WARNING saying what moved.

- registered km or markers fall (a registered stretch rarely stops being registered);
- teams or members change by more than half, up or down;
- members per team outside 2–60 (a village team has a handful to a few dozen members).
"""
from __future__ import annotations

from cotmoc.core.display import en_number, vi_number
from cotmoc.core.messages import problem
from cotmoc.core.problems import Problem

MEMBERS_PER_TEAM = (2, 60)
JUMP = 0.5


def _warn(rule, sheet, column, value, en=None, **fields) -> Problem:
    return problem(rule, en=en, **fields, sheet=sheet, column=column, value=None if value is None else vi_number(value))


def history_rules(report, previous: dict | None) -> list[Problem]:
    out = []
    totals = report.totals()
    teams, members = totals["teams"], totals["members"]
    if teams and members:
        per_team = members / teams
        low, high = MEMBERS_PER_TEAM
        if not low <= per_team <= high:
            out.append(_warn("history.members_per_team", "to_tu_quan", "members", round(per_team, 1),
                             per_team=vi_number(per_team, 1), low=low, high=high,
                             en={"per_team": en_number(per_team, 1)}))
    if not previous:
        return out
    prev = previous["period"]
    km, markers = totals["length_km"], totals["markers"]
    for rule, column, now, before in (("history.length_km_fell", "length_km", km, previous["length_km"]),
                                      ("history.markers_fell", "markers", markers, previous["markers"])):
        if before is not None and now < before - 1e-9:
            out.append(_warn(rule, "doan_bien_gioi", column, now, **_moved(before, now, prev)))
    for rule, column, now, before in (("history.teams_jump", "teams", teams, previous["teams"]),
                                      ("history.members_jump", "members", members, previous["members"])):
        if before and abs(now - before) / before > JUMP:
            out.append(_warn(rule, "to_tu_quan", column, now, **_moved(before, now, prev)))
    return out


def _moved(before, now, period: str) -> dict:
    """The fields of a figure that moved since the previous report (`period`)."""
    return {"before": vi_number(before), "now": vi_number(now), "period": period,
            "en": {"before": en_number(before), "now": en_number(now)}}
