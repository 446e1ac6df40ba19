"""The portal's adapter to period approval (part of `library`, which re-exports it): the office page's
approve and unlock call `cotmoc approve` / `cotmoc unlock`'s own functions (cotmoc.pipeline.approval), under
the same single-writer warehouse lock, which also renew the published copy the pages read; the province pages
read the approval state from the published copy (`approval_states`) and say it in words here.

The portal waits only a few seconds for the lock (a page cannot hang for the CLI's ten minutes): when an ingest
or a rollup holds it, nothing is done and the office is told so, Vietnamese first; its form is shown again as
typed, to send once the warehouse is free."""
from __future__ import annotations

from datetime import datetime

from cotmoc.core.config import Settings
from cotmoc.core.faults import Busy
from cotmoc.pipeline import approval
from cotmoc.portal.published import published_status, query, status_cells

#: how long a click waits for another writer (an ingest, a rollup) before saying the warehouse is busy
LOCK_WAIT_SECONDS = 5.0


def _run(settings: Settings, work) -> dict:
    """{"ok", "lines", "message", "busy"}: what the office reads after a click."""
    try:
        outcome = work()
    except Busy as exc:             # the lock's own words (who holds it), Vietnamese then English
        vi, _, en = str(exc).partition(" — ")
        return {"ok": False, "busy": True, "lines": [],
                "message": f"Kho dữ liệu đang bận nên CHƯA làm gì: {vi.rstrip('.')}. Hãy bấm lại sau ít phút, biểu "
                           f"mẫu vẫn giữ nguyên — The warehouse is busy, so NOTHING was done: {en.rstrip('.')}. "
                           f"Send the form again in a few minutes; it is kept as typed."}
    except (ValueError, FileNotFoundError) as exc:
        return {"ok": False, "busy": False, "lines": [], "message": str(exc)}
    lines = [step.line() for step in outcome.steps]
    lines += [f"Đã chuyển báo cáo được giữ lại vào lưu trữ — released report filed: {p.name}" for p in outcome.filed]
    return {"ok": True, "busy": False, "lines": lines or ["Không có gì để duyệt — nothing to approve"], "message": ""}


def approve(settings: Settings, period: str, submissions: list[int], *, actor: str, note: str | None) -> dict:
    """Approve exactly the submissions the office saw for `period` (each must still be current)."""
    return _run(settings, lambda: approval.approve_period(settings, period, actor=actor, note=note or None,
                                                          seen=submissions, wait_seconds=LOCK_WAIT_SECONDS))


def unlock(settings: Settings, period: str, province: str, *, actor: str, reason: str) -> dict:
    return _run(settings, lambda: approval.unlock_period(settings, period, province, reason=reason, actor=actor,
                                                         wait_seconds=LOCK_WAIT_SECONDS))


def approval_states(settings: Settings, periods: list[str]) -> dict[tuple[str, str], dict]:
    """(reporting province, period) → who approved which submission, when, the note, locked or not, the latest
    unlock (from the published copy; absent: never approved)."""
    rows = query(settings, "approval_states", {"periods": periods}) if periods else []
    return {(r["province_code"], r["period"]): r for r in rows}


def held_reports(settings: Settings, periods: list[str]) -> dict[tuple[str, str], list[dict]]:
    """(reporting province, period) → its held reports (late reports of an approved period, waiting)."""
    status = published_status(settings, periods)
    out: dict[tuple[str, str], list[dict]] = {}
    for h in status.held if status else []:
        out.setdefault((h["reporting_province_code"], h["period"]), []).append(h)
    return out



def office_approvals(settings: Settings, periods: list[str]) -> list[dict]:
    """Per period: each accepted (or once approved) report with its approval state and held reports, for the
    office's approve / unlock forms (cotmoc.portal.approvals.board)."""
    return board(periods, status_cells(settings, periods), approval_states(settings, periods),
                 held_reports(settings, periods))


def board(periods: list[str], cells: list[dict], states: dict, held: dict) -> list[dict]:
    """The office's approval section: per period, every report that is accepted or was once approved (the
    matrix's cells, in its order) with its state, and the submissions "approve all" would approve."""
    out = []
    for period in periods:
        rows = []
        for c in cells:
            key = (c["reporting_province_code"], period)
            if c["period"] != period or (c["status"] != "accepted" and key not in states):
                continue
            rows.append({**c, "approval": states.get(key), "held_reports": held.get(key, [])})
        out.append({"period": period, "rows": rows,
                    "to_approve": [r["submission_id"] for r in rows
                                   if r["status"] == "accepted" and r["approval_status"] != "approved"]})
    return out


def lock_explanation(state: dict | None, held: int) -> dict | None:
    """What a steward reads about a period's lock (None when it was never approved)."""
    if not state:
        return None
    when = _when(state["approved_at"])
    if state["locked"]:
        text_vi = (f"Kỳ này đã được văn phòng duyệt và khóa ngày {when} (người duyệt: {state['approved_by']}). Báo cáo "
                   f"gửi sau sẽ vẫn được kiểm tra nhưng được GIỮ LẠI, không thay số liệu đã duyệt, cho đến khi văn "
                   f"phòng mở khóa. Cần sửa số liệu: liên hệ văn phòng để đề nghị mở khóa.")
        text_en = (f"The office approved and locked this period on {when} (by {state['approved_by']}). A report sent "
                   f"later is still checked but HELD: it does not replace the approved figures until the office "
                   f"unlocks the period. To correct the figures, ask the office to unlock it.")
        if held:
            text_vi += f" Hiện có {held} báo cáo đang được giữ lại chờ mở khóa."
            text_en += (" 1 report is held" if held == 1 else f" {held} reports are held") + ", waiting for an unlock."
        return {"state": "locked", "vi": text_vi, "en": text_en}
    text_vi = (f"Kỳ này đã được duyệt ngày {when} rồi được văn phòng mở khóa ngày {_when(state['unlocked_at'])} "
               f"({state['unlocked_by']}: {state['unlock_reason']}). Số liệu đã thay đổi sau khi duyệt; báo cáo gửi lúc "
               f"này thay thế như thường, cho đến khi văn phòng duyệt lại.")
    text_en = (f"Approved on {when}, then unlocked by the office on {_when(state['unlocked_at'])} "
               f"({state['unlocked_by']}: {state['unlock_reason']}). The figures changed since approval; a report sent "
               f"now replaces the current one as usual, until the office approves again.")
    return {"state": "changed", "vi": text_vi, "en": text_en}


def _when(moment: datetime | None) -> str:
    return f"{moment:%d/%m/%Y %H:%M}" if moment else "—"
