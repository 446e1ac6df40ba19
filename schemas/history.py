"""Period-over-period checks: figures that jump against the province's previous report of the same kind.
The file is still accepted; the steward and `validation_issues` get a WARNING saying what moved.

- registered km or markers fall (a registered stretch rarely stops being registered);
- teams or members change by more than half, up or down;
- members per team outside 2–60 (a village team has a handful to a few dozen members).
"""
from __future__ import annotations

from cotmoc.core.problems import WARNING, Problem

MEMBERS_PER_TEAM = (2, 60)
JUMP = 0.5


def _warn(rule, sheet, column, vi, en, value) -> Problem:
    return Problem(WARNING, rule, vi, en, "Kiểm tra lại số liệu; nếu đúng, không cần làm gì",
                   "Check the figures; if they are right, nothing needs doing", sheet=sheet, column=column,
                   value=None if value is None else str(value))


def history_rules(report, previous: dict | None) -> list[Problem]:
    out = []
    teams, members = report.teams["teams"].sum(), report.teams["members"].sum()
    if teams and members:
        per_team = members / teams
        low, high = MEMBERS_PER_TEAM
        if not low <= per_team <= high:
            out.append(_warn("history.members_per_team", "to_tu_quan", "members",
                             f"Bình quân {per_team:.1f} thành viên/tổ, ngoài khoảng thường gặp ({low}–{high})",
                             f"{per_team:.1f} members per team on average, outside the usual {low}–{high}", round(per_team, 1)))
    if not previous:
        return out
    prev = previous["period"]
    km, markers = float(report.segments["length_km"].sum()), int(report.segments["markers"].sum())
    for column, now, before, unit_vi, unit_en in (("length_km", km, previous["length_km"], "km", "km"),
                                                  ("markers", markers, previous["markers"], "cột mốc", "markers")):
        if before is not None and now < before - 1e-9:
            out.append(_warn(f"history.{column}_fell", "doan_bien_gioi", column,
                             f"Tổng {unit_vi} đăng ký giảm từ {before:,.3f} (kỳ {prev}) xuống {now:,.3f}".replace(".000", ""),
                             f"Registered {unit_en} fell from {before:,.3f} ({prev}) to {now:,.3f}".replace(".000", ""), now))
    for column, now, before in (("teams", teams, previous["teams"]), ("members", members, previous["members"])):
        if before and abs(now - before) / before > JUMP:
            out.append(_warn(f"history.{column}_jump", "to_tu_quan", column,
                             f"Tổng số {'tổ' if column == 'teams' else 'thành viên'} thay đổi từ {before:,} (kỳ {prev}) "
                             f"thành {now:,}", f"Total {column} changed from {before:,} ({prev}) to {now:,}", now))
    return out
