"""Period approval, as DHIS2 does it: the office approves a province's period, which locks it; a late report
for a locked period is checked as usual but, if accepted, is `held` (kept with its problems, filed under
archive/_cho_mo_khoa/, counted nowhere) until the office unlocks the period, which releases the newest held
report at once; the period is then `changed_since_approval` until it is approved again.

Every step (approve, unlock, hold, release) is a row of the append-only `approval_events`, and the approval
state is read from it (warehouse/sql/100_staging.sql). These are plain functions over a connection (the
caller holds the warehouse's lock), so the CLI, the portal and the tests share them; `approve_period` and
`unlock_period` take the lock and open the warehouse themselves. Each step is ONE transaction: a crash leaves
the old state or the new one. A release's file move comes after its commit and is completed by the next
approve, unlock or ingest (`finish_releases`).
"""
from __future__ import annotations

import getpass
import json
import os
import shutil
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from cotmoc.core.errors import MissingInput, UsageError
from cotmoc.core import reference
from cotmoc.core.atomic import write_atomically
from cotmoc.core.display import province_name
from cotmoc.core.faults import crash_point
from cotmoc.core.periods import Period
from cotmoc.core.messages import problem
from cotmoc.core.problems import Problem
from cotmoc.core.steward_files import report_paths
from cotmoc.pipeline.locking import warehouse_lock
from cotmoc.pipeline.rollup import publish       # the rollup's own way to renew the read-only copy
from cotmoc.warehouse import load as wh
from cotmoc.warehouse.db import open_warehouse, query

HELD_DIR = "_cho_mo_khoa"      # archive/_cho_mo_khoa/<province>/: held reports, waiting for an unlock
SYSTEM_ACTOR = "cotmoc"


@dataclass(frozen=True)
class Lock:
    """An approved, locked province's period: which submission was approved, when and by whom."""
    province_code: str
    period: str
    submission_id: int
    approved_at: datetime
    approved_by: str


@dataclass(frozen=True)
class Step:
    """One step of the trail that a command wrote (or, for `already_approved`, found nothing to do)."""
    action: str                      # approve | unlock | release | already_approved
    province_code: str
    period: str
    submission_id: int
    replaced_ids: tuple[int, ...] = ()
    event_id: int | None = None
    event_at: datetime | None = None

    def line(self) -> str:
        """What the office reads (Vietnamese — English)."""
        who = f"{province_name(self.province_code)} {self.period}"
        if self.action == "approve":
            return f"Đã duyệt và khóa {who} (hồ sơ {self.submission_id}) — approved and locked (submission {self.submission_id})"
        if self.action == "already_approved":
            return f"{who} đã được duyệt từ trước, không đổi — already approved, unchanged (submission {self.submission_id})"
        if self.action == "unlock":
            return f"Đã mở khóa {who}: kỳ này được đánh dấu đã thay đổi sau khi duyệt — unlocked: marked changed since approval"
        replaced = ", ".join(map(str, self.replaced_ids))
        return (f"Báo cáo được giữ lại (hồ sơ {self.submission_id}) nay thay thế hồ sơ {replaced} của {who} — the held "
                f"report (submission {self.submission_id}) now replaces submission(s) {replaced}")


def _rows(cur) -> list[dict]:
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r)) for r in cur.fetchall()]


def locks(con) -> dict[tuple[str, str], Lock]:
    """Every approved, locked (reporting province, period)."""
    return {(r["province_code"], r["period"]): Lock(r["province_code"], r["period"], r["approved_submission_id"],
                                                    r["approved_at"], r["approved_by"])
            for r in _rows(con.execute(query("locked_periods")))}


def hold_notice(lock: Lock) -> Problem:
    """What the steward of a held report reads (in the summary, the .loi.json, the annotated copy, status)."""
    name, when = province_name(lock.province_code), f"{lock.approved_at:%d/%m/%Y}"
    return problem("approval.period_locked", period=lock.period, name=name, when=when,
                   en={"when": f"{lock.approved_at:%Y-%m-%d}"}, sheet="thong_tin", column="period", value=lock.period)


def _codes(provinces: list[str]) -> list[str]:
    codes = []
    for text in provinces:
        match = reference.match_province(text)
        if match.code is None:
            hint = f" (gần giống / did you mean: {', '.join(match.suggestions)})" if match.suggestions else ""
            raise UsageError(f"Không rõ tỉnh '{text}' — unknown province '{text}'{hint}")
        codes.append(match.code)
    return codes


def _candidates(con, period: str, codes: list[str] | None) -> list[dict]:
    return _rows(con.execute(query("approval_candidates"), {"period": period, "codes": codes}))


def _event(con, action: str, row: dict, actor: str, reason: str | None, replaced: list[int] | None = None) -> Step:
    event_id, event_at = con.execute(query("insert_approval_event"), {
        "action": action, "province_code": row["province_code"], "period": row["period"],
        "submission_id": row["submission_id"], "replaced_ids": replaced, "actor": actor, "reason": reason}).fetchone()
    return Step(action, row["province_code"], row["period"], row["submission_id"], tuple(replaced or ()),
                event_id, event_at)


def _transaction(con, work):
    con.execute("BEGIN TRANSACTION")
    try:
        out = work()
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return out


def default_actor() -> str:
    try:
        return getpass.getuser()
    except Exception:      # no login name (a container, a service without one)
        return "?"


def _as_seen(rows: list[dict], period: str, seen: list[int]) -> list[dict]:
    """The candidates the approver saw (the portal's page shows the published copy, which an ingest may have
    overtaken): each submission seen must still be its province's current accepted one, else nothing is done."""
    current = {r["submission_id"] for r in rows}
    gone = sorted(set(seen) - current)
    if gone:
        raise UsageError(f"Hồ sơ {', '.join(map(str, gone))} không còn là báo cáo đạt hiện hành của kỳ {period} "
                         f"(đã có báo cáo mới hơn): tải lại trang, xem lại rồi duyệt; chưa duyệt gì — submission(s) "
                         f"{', '.join(map(str, gone))} are no longer the current accepted report for {period} (a newer "
                         f"one arrived): reload the page, review, then approve; nothing was approved")
    return [r for r in rows if r["submission_id"] in set(seen)]


def approve(con, period: str, provinces: list[str] | None = None, *, actor: str | None = None,
            note: str | None = None, seen: list[int] | None = None) -> list[Step]:
    """Approve (and lock) the current accepted submission of each named province (every province with one
    when none is named) for `period`, in ONE transaction. A named province without an accepted report is an
    error (nothing is approved); one already approved is left as it is. `seen` (the portal): approve exactly
    these submissions, each still current (`_as_seen`)."""
    period = Period.parse(period).code
    codes = _codes(provinces) if provinces else None
    rows = _candidates(con, period, codes)
    if seen is not None:
        rows = _as_seen(rows, period, seen)
    for code in codes or []:
        if not any(code in (r["province_code"], r["current_code"]) for r in rows):
            raise UsageError(f"{province_name(code)} chưa có báo cáo đạt cho kỳ {period} nên không thể duyệt — "
                             f"{code} has no accepted report for {period}, so there is nothing to approve")
    already = [Step("already_approved", r["province_code"], period, r["submission_id"])
               for r in rows if r["approval_status"] == "approved"]
    todo = [r for r in rows if r["approval_status"] != "approved"]
    actor = actor or default_actor()

    def work():
        steps = [_event(con, "approve", r, actor, note) for r in todo]
        crash_point("approve")
        return steps
    return already + (_transaction(con, work) if todo else [])


def _release(con, row: dict, actor: str) -> Step | None:
    """The newest held report of an unlocked (province, period) supersedes the approved one."""
    changed = _rows(con.execute(query("release_held"), {"province_code": row["province_code"], "period": row["period"]}))
    if not changed:
        return None
    released = next(r["submission_id"] for r in changed if r["status"] == "accepted")
    replaced = sorted(r["submission_id"] for r in changed if r["status"] == "superseded")
    return _event(con, "release", {**row, "submission_id": released}, actor,
                  "Báo cáo được giữ lại thay thế báo cáo đã duyệt sau khi mở khóa — the held report replaces the "
                  "approved one after the unlock", replaced)


def unlock(con, period: str, province: str, *, reason: str, actor: str | None = None) -> list[Step]:
    """Reopen an approved province's period (a merged province: each of its old provinces' locked reports),
    in ONE transaction: the unlock, then the release of its newest held report, if any."""
    period = Period.parse(period).code
    if not (reason or "").strip():
        raise UsageError("Cần ghi lý do mở khóa (--reason) — an unlock needs a reason (--reason)")
    code = _codes([province])[0]
    rows = _candidates(con, period, [code])
    locked = [r for r in rows if r["approval_status"] == "approved"]
    if not locked:
        state = "đã được mở khóa, chưa duyệt lại — already unlocked, not approved again" if rows and any(
            r["approval_status"] == "changed_since_approval" for r in rows) else "chưa được duyệt — not approved"
        raise UsageError(f"Kỳ {period} của {province_name(code)} không bị khóa: {state}; không có gì để mở khóa — "
                         f"{code} {period} is not locked, nothing to unlock")
    actor = actor or default_actor()

    def work():
        steps = []
        for r in locked:
            steps.append(_event(con, "unlock", r, actor, reason.strip()))
            crash_point("unlock")
            released = _release(con, r, actor)
            if released:
                steps.append(released)
                crash_point("release")
        return steps
    return _transaction(con, work)


def held_root(settings) -> Path:
    return settings.archive / HELD_DIR


def _move_json(src: Path, dest: Path, status: str) -> None:
    """The steward's .loi.json follows its report, saying what became of it."""
    doc = json.loads(src.read_text(encoding="utf-8"))
    doc["status"] = status
    doc["released"] = ("Kỳ đã được mở khóa: báo cáo được giữ lại nay đã được tính — the period was unlocked: the "
                       "held report now counts" if status == "accepted" else
                       "Kỳ đã được mở khóa: một báo cáo mới hơn được tính thay — the period was unlocked: a newer "
                       "report counts instead")
    write_atomically(dest, json.dumps(doc, ensure_ascii=False, indent=2, default=str) + "\n")
    src.unlink()


def finish_releases(con, settings) -> list[Path]:
    """File every released report still under the held folder into archive/<province>/ (with its steward
    report), then record where. Idempotent: a move a crash interrupted is completed, a finished one found."""
    from cotmoc.pipeline.filing import destination, free_path     # filing imports this module
    root = held_root(settings)
    rows = _rows(con.execute(query("released_unfiled"), {"held_root": f"{root}{os.sep}"}))
    filed = []
    for r in rows:
        src = Path(r["stored_path"])
        target = destination(settings, r["file_name"], r["sha256"], r["province_code"], True)
        if src.exists() and target.exists():
            target = free_path(target)
        target.parent.mkdir(parents=True, exist_ok=True)
        for old, new in zip(report_paths(src), report_paths(target)):
            if old.exists() and old.suffix == ".json":
                _move_json(old, new, r["status"])
            elif old.exists():
                shutil.move(str(old), str(new))
        crash_point("release_move")
        if src.exists():
            shutil.move(str(src), str(target))
        if target.exists():
            wh.set_stored_path(con, r["submission_id"], str(target))
            filed.append(target)
    return filed


@dataclass
class Outcome:
    """What a command did: its steps and the released files it filed."""
    steps: list[Step] = field(default_factory=list)
    filed: list[Path] = field(default_factory=list)


def _under_lock(settings, purpose: str, on_wait, work, wait_seconds: float | None) -> Outcome:
    """Run `work(con)` holding the writer lock, finish the releases' file moves, then republish the read-only
    copy (what the portal, `cotmoc status` during a load and the analysts read) so that it shows the new state at
    once, not after the next rollup. The publish comes after the commit: a crash there leaves the warehouse
    right and the copy as it was, renewed by the next approve, unlock or rollup."""
    wait = settings.lock_wait_seconds if wait_seconds is None else wait_seconds
    with warehouse_lock(settings.warehouse, purpose=purpose, wait_seconds=wait, on_wait=on_wait):
        with open_warehouse(settings.warehouse) as con:
            earlier = finish_releases(con, settings)      # a move an earlier crash left undone
            steps = work(con)
            outcome = Outcome(steps, earlier + finish_releases(con, settings))
            if outcome.steps or outcome.filed:
                publish(con, settings.warehouse)
            return outcome


def approve_period(settings, period: str, provinces: list[str] | None = None, *, actor: str | None = None,
                   note: str | None = None, seen: list[int] | None = None, on_wait=None,
                   wait_seconds: float | None = None) -> Outcome:
    """`cotmoc approve` and the portal's office page: under the warehouse lock (waiting up to `wait_seconds`,
    default settings.lock_wait_seconds), then the published copy is renewed."""
    if not settings.warehouse.exists():
        raise MissingInput(f"Chưa có kho dữ liệu {settings.warehouse} — no warehouse yet")
    return _under_lock(settings, "approve", on_wait,
                       lambda con: approve(con, period, provinces, actor=actor, note=note, seen=seen), wait_seconds)


def unlock_period(settings, period: str, province: str, *, reason: str, actor: str | None = None,
                  on_wait=None, wait_seconds: float | None = None) -> Outcome:
    """`cotmoc unlock` and the portal's office page: under the warehouse lock; the released report is filed
    at once, then the published copy is renewed."""
    if not settings.warehouse.exists():
        raise MissingInput(f"Chưa có kho dữ liệu {settings.warehouse} — no warehouse yet")
    return _under_lock(settings, "unlock", on_wait,
                       lambda con: unlock(con, period, province, reason=reason, actor=actor), wait_seconds)
