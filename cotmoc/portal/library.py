"""The portal's ONE way into the rest of cotmoc. Every check, message, template, status and figure the
pages show comes from the functions the flow, the CLI and the tests call; this module only adapts them
to what a page needs (plain dicts), and never writes the warehouse:

- checking: `cotmoc.pipeline.checking.check_file` (read → normalise → validate; writes nothing) and the steward's
  annotated copy `cotmoc.outputs.steward_report.write_annotated_copy`;
- the pre-filled template: `cotmoc.outputs.template.build_template`;
- states and figures: `cotmoc.outputs.status.read_status` and SQL files over the PUBLISHED copy
  (`cotmoc.pipeline.rollup.published_path`, opened read-only, so a load is never blocked);
- handing a file over: an atomic write into the inbox's province folder, then the ingest deployment is
  triggered through the Prefect API when one is configured (else the next scheduled run takes it);
- following it (`follow`): see that function for how the file is found again;
- period approval (the office's approve / unlock, the lock the province pages show): `cotmoc.portal.approvals`,
  re-exported here; it calls `cotmoc approve` / `cotmoc unlock`'s own functions, the portal's only writes.
"""
from __future__ import annotations

import json
import logging
import shutil
import threading
from datetime import date
from pathlib import Path

from cotmoc.core import display, reference
from cotmoc.core.atomic import replacing
from cotmoc.core.config import Settings, load_settings, published_path  # noqa: F401  (the portal reads its settings here)
from cotmoc.core.contract import SHEETS_BY_CODE
from cotmoc.core.errors import UsageError  # noqa: F401  (the portal's accounts raise it: cotmoc.portal.store)
from cotmoc.core.problems import Problem
from cotmoc.core.steward_files import annotated_path, is_steward_file, report_paths
from cotmoc.portal.approvals import (approval_states, approve, held_reports, lock_explanation,  # noqa: F401
                                    office_approvals, unlock)
from cotmoc.portal.published import queries, query, status_cells

log = logging.getLogger("cotmoc.portal")

# --- showing and naming (cotmoc.core's own rules) ----------------------------------------------------------
province_name, vi_number, vi_percent = display.province_name, display.vi_number, display.vi_percent


def period_code(text: str) -> str:
    """A period code validated by cotmoc.core.periods (ValueError otherwise): safe in a path or a query."""
    from cotmoc.core.periods import Period
    return Period.parse(text).code


def is_current_province(code: str) -> bool:
    """A province as it is today (a steward's account, a portal address); False for a merged or unknown one."""
    try:
        return reference.province(code).current_code == code
    except KeyError:
        return False


def account_province(text: str) -> str:
    """The province (name or code) a steward's account is for: one that exists today (ValueError otherwise)."""
    from cotmoc.outputs.template import resolve_province
    found = resolve_province(text)
    current = reference.province(found).current_code
    if current != found:
        raise UsageError(f"{reference.province(found).name_vi} đã nhập vào {reference.province(current).name_vi} "
                         f"(2025): tạo tài khoản cho '{current}' — it merged into {current}; make the account for "
                         f"'{current}' (it sends {found}'s earlier reports too)")
    return found


def ascii_slug(text: str, limit: int = 60) -> str:
    """Plain lower-case ASCII words joined by '_' (cotmoc.core.vntext.fold drops the diacritics)."""
    import re
    from cotmoc.core import vntext
    return re.sub(r"[^a-z0-9]+", "_", vntext.fold(text).lower()).strip("_")[:limit]


def state_paths(settings: Settings) -> tuple[Path, Path]:
    """(the portal's SQLite file, the folder of its uploaded copies), beside the warehouse."""
    return settings.warehouse.with_name("portal.sqlite"), settings.warehouse.parent / "portal_files"


def accepted_suffixes() -> tuple[str, ...]:
    """The file types the ingest reads (its own list): the upload form accepts exactly these."""
    from cotmoc.reading.refusals import WORKBOOK_SUFFIXES
    return tuple(sorted(WORKBOOK_SUFFIXES))


def reporting_codes(province: str) -> set[str]:
    """The reporting provinces whose reports a steward of `province` sends: the province and those merged
    into it in 2025 (their reports for the periods before the merger)."""
    return set(reference.constituents(reference.province(province).current_code))


# --- checking -------------------------------------------------------------------------------------------
def _figures(report) -> dict:
    """The figures as read, for the steward to compare with the paper: teams, segments, awards totals."""
    def total(frame, col):
        return int(frame[col].fillna(0).sum()) if col in frame else 0
    seg = report.segments
    borders = []
    if len(seg) and "border" in seg:
        for border, rows in seg.groupby("border", dropna=False, sort=True):
            borders.append({"border": display.enum_label("border", border if isinstance(border, str) else None),
                            "rows": len(rows), "km": display.vi_number(float(rows["length_km"].fillna(0).sum()), 3)})
    awards = []
    if len(report.awards) and "award_form" in report.awards:
        for form, rows in report.awards.groupby("award_form", dropna=False, sort=True):
            awards.append({"form": display.enum_label("award_form", form if isinstance(form, str) else None),
                           "collectives": display.vi_number(total(rows, "collectives")),
                           "individuals": display.vi_number(total(rows, "individuals"))})
    km = float(seg["length_km"].fillna(0).sum()) if "length_km" in seg else 0.0
    return {
        "teams": {"rows": len(report.teams), "teams": display.vi_number(total(report.teams, "teams")),
                  "members": display.vi_number(total(report.teams, "members")),
                  "households": display.vi_number(total(report.teams, "households"))},
        "segments": {"rows": len(seg), "km": display.vi_number(km, 3), "markers": display.vi_number(total(seg, "markers")),
                     "households": display.vi_number(total(seg, "households")),
                     "persons": display.vi_number(total(seg, "persons")), "borders": borders},
        "awards": {"rows": len(report.awards), "collectives": display.vi_number(total(report.awards, "collectives")),
                   "individuals": display.vi_number(total(report.awards, "individuals")), "forms": awards},
    }


def _column_label(sheet: str | None, code: str | None) -> str:
    try:
        column = SHEETS_BY_CODE[sheet].column(code)
        return f"{column.label_vi} — {column.label_en}"
    except KeyError:
        return code or ""


def _problem(fields: dict) -> Problem:
    """A Problem from a stored row or a .loi.json entry (other keys, such as the portal's own, are left out)."""
    return Problem(**{k: v for k, v in fields.items() if k in Problem.__dataclass_fields__})


def _shown(p: Problem) -> dict:
    """A problem as the portal's pages show it (templates/_problems.html and the short lists): its fields,
    the column's label and where it is (a cell, else a row), the same on every page."""
    return {**p.as_dict(), "column_label": _column_label(p.sheet, p.column), "place_vi": p.place(),
            "place_en": p.place(english=True)}


def check_upload(path: Path, settings: Settings, *, sha256: str, today: date | None = None) -> dict:
    """The verdict on one uploaded file, as the check page shows it (problems as the ingest gives them,
    errors first), and the figures as read. Nothing is written anywhere."""
    from cotmoc.pipeline.checking import check_file
    checked = check_file(path, settings, sha256=sha256, today=today)
    problems = [_shown(p) for p in checked.problems]
    info = checked.report.info if checked.report is not None else {}
    return {"province": checked.province, "period": checked.period, "readable": checked.readable,
            "reporting_unit": info.get("reporting_unit"), "prepared_by": info.get("prepared_by"),
            "errors": [p for p in problems if p["severity"] == "error"],
            "warnings": [p for p in problems if p["severity"] != "error"],
            "figures": _figures(checked.report) if checked.report is not None else None,
            "rows": checked.rows()}


def annotated_copy(original: Path, result: dict, out: Path) -> Path:
    """The steward's own workbook annotated with the check's problems (values only, no live formula)."""
    from cotmoc.outputs.steward_report import write_annotated_copy
    problems = [_problem(p) for p in result["errors"] + result["warnings"]]
    summary = {"province": result["province"], "period": result["period"],
               "status": "rejected" if result["errors"] else "accepted", **result["rows"]}
    return write_annotated_copy(original, problems, out, summary=summary)


def template(out: Path, province: str, period: str) -> Path:
    from cotmoc.outputs.template import build_template
    return build_template(out, province=province, period=period)


# --- reading the published copy (cotmoc.portal.published) ----------------------------------------------------
def periods_owed(settings: Settings, province: str, *, today: date | None = None, last: int = 8) -> list[dict]:
    """The province's last `last` periods owed (newest first): each reporting province's state and deadline."""
    today = today or date.today()
    codes = reporting_codes(province)
    owed = [(p, c) for p in reversed(reference.expected_periods(today)) for c in reference.expected_reporters(p)
            if c in codes][: last * max(len(codes), 1)]
    periods = sorted({p for p, _ in owed})[-last:]
    cells = {(c["period"], c["reporting_province_code"]): c for c in status_cells(settings, periods)}
    states, held = approval_states(settings, periods), held_reports(settings, periods)
    out = []
    for period, code in owed:
        if period not in periods:
            continue
        cell = cells.get((period, code), {})
        due = reference.deadline(period)
        waiting = held.get((code, period), [])
        out.append({"period": period, "province": code, "province_name": display.province_name(code),
                    "due_date": due, "status": cell.get("status", "missing"), "errors": cell.get("errors"),
                    "on_time": cell.get("on_time"), "received_at": cell.get("received_at"),
                    "overdue": due < today, "approval_status": cell.get("approval_status"), "held": waiting,
                    "lock": lock_explanation(states.get((code, period)), len(waiting))})
    return sorted(out, key=lambda r: (r["due_date"], r["period"], r["province"]), reverse=True)


def office_status(settings: Settings, *, today: date | None = None, last: int = 4,
                  periods: list[str] | None = None) -> dict:
    """The completeness matrix of `cotmoc status` (same reader, same states) over the published copy."""
    today = today or date.today()
    periods = periods or reference.expected_periods(today)[-last:]
    cells = status_cells(settings, periods)
    if not cells:          # before the first rollup: every report owed is missing
        cells = [{"period": p, "province_code": reference.province(c).current_code,
                  "province_name": display.province_name(reference.province(c).current_code),
                  "reporting_province_code": c, "reporting_province_name": display.province_name(c),
                  "status": "missing", "errors": None, "on_time": None, "due_date": reference.deadline(p),
                  "submission_id": None} for p in periods for c in reference.expected_reporters(p)]
    rows: dict[tuple, dict] = {}
    for c in cells:
        name = c["province_name"] if c["province_name"] == c["reporting_province_name"] else \
            f"{c['province_name']} ({c['reporting_province_name']})"
        c = {**c, "overdue": c["status"] == "missing" and c["due_date"] is not None and c["due_date"] < today}
        rows.setdefault((c["province_name"], name), {"name": name, "province": c["province_code"],
                                                     "cells": {}})["cells"][c["period"]] = c
    counts = {s: sum(c["status"] == s for c in cells) for s in ("accepted", "rejected", "missing")}
    return {"periods": periods, "rows": [rows[k] for k in sorted(rows)], "counts": counts,
            "published": published_path(settings.warehouse).exists()}


def rejections(settings: Settings, periods: list[str], *, first: int = 3) -> list[dict]:
    """Every current rejection of the periods with its first errors (from the published copy)."""
    rows = query(settings, "rejections", {"periods": periods, "first": first})
    out: dict[int, dict] = {}
    for r in rows:
        item = out.setdefault(r["submission_id"], {**{k: r[k] for k in ("submission_id", "period", "province_code",
                                                                         "file_name", "errors", "received_at", "sha256")},
                                                   "province_name": display.province_name(r["province_code"]),
                                                   "problems": []})
        if r["message_vi"]:
            item["problems"].append(_shown(_problem(r)))
    return list(out.values())


def published_submissions(settings: Settings, codes: set[str]) -> list[dict]:
    """Every submission of these reporting provinces in the published copy, newest first."""
    return query(settings, "submissions_of", {"codes": sorted(codes)})


def submission(settings: Settings, submission_id: int) -> dict | None:
    """One submission of the published copy with its problems; None when unknown."""
    rows = query(settings, "submission", {"id": submission_id})
    if not rows:
        return None
    head = {k: rows[0][k] for k in rows[0] if not k.startswith("p_")}
    head["problems"] = [_shown(_problem({k[2:]: r[k] for k in r if k.startswith("p_")}))
                        for r in rows if r["p_severity"]]
    head["province_name"] = display.province_name(head["province_code"])
    return head


def filed_annotated(stored_path: str | None) -> Path | None:
    """The steward's annotated copy the ingest wrote beside a filed file (cotmoc.core.steward_files: written by
    cotmoc, values only), or None."""
    if not stored_path:
        return None
    loi = annotated_path(stored_path)
    return loi if loi.is_file() else None


def before_sending(settings: Settings, sha256: str, province: str | None, period: str | None) -> dict:
    """What the published copy says about a checked file before it is sent: the same bytes already received
    (sending them again would load nothing) and the current report it would supersede."""
    known, current = queries(settings, [("known_file", {"sha256": sha256}),
                                         ("current_report", {"province": province, "period": period})])
    return {"known": known[0] if known else None, "supersedes": current[0] if current else None}


def national(settings: Settings, period: str) -> dict:
    """The national figures of a period (the analyst views of the published copy)."""
    out = {}
    views = ("teams", "segments", "awards")
    for view, rows in zip(views, queries(settings, [(f"national_{v}", {"period": period}) for v in views])):
        for r in rows:
            for enum in ("team_type", "border", "issuer", "award_form"):
                if enum in r:
                    r[f"{enum}_label"] = display.enum_label(enum, r[enum])
        out[view] = rows
    segs = out["segments"]
    out["segments_total"] = {k: sum(r[k] or 0 for r in segs) for k in ("length_km", "markers", "households", "persons")}
    return out


def national_periods(settings: Settings) -> list[str]:
    return [r["period"] for r in query(settings, "periods_with_data", {})]


def national_workbook(settings: Settings, period: str) -> Path | None:
    """The national report workbook the rollup wrote for the period (None when there is none)."""
    from cotmoc.core.periods import Period
    code = Period.parse(period).code
    path = settings.exports / code / f"bao_cao_toan_quoc_{code}.xlsx"
    return path if path.is_file() else None


# --- handing a file to the ingest ---------------------------------------------------------------------------
def hand_to_inbox(src: Path, settings: Settings, province: str, stored_name: str) -> Path:
    """Copy `src` into `inbox/<province>/<stored_name>` atomically: written under a dot-name the ingest skips
    (cotmoc.pipeline.inbox.discover ignores hidden files), flushed, then renamed, so the ingest never sees half a file."""
    folder = settings.inbox / province
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / stored_name
    with replacing(target) as part:
        shutil.copyfile(src, part)
    return target


def trigger_ingest(on_done=None) -> None:
    """Ask the Prefect API to run the ingest deployment now (in the background: importing Prefect takes
    seconds). Without a configured API the next scheduled run takes the file. `on_done(note)` hears what
    happened, in words for the office."""
    def run():
        try:
            from prefect.settings import get_current_settings
            if not get_current_settings().api.url:
                note = "Chưa cấu hình máy chủ Prefect: lượt nhận theo lịch sẽ lấy file — no Prefect API configured: " \
                       "the next scheduled ingest takes the file"
            else:
                from prefect.deployments import run_deployment
                from cotmoc.flows.serve import INGEST_DEPLOYMENT
                flow_run = run_deployment(INGEST_DEPLOYMENT, timeout=0)
                note = f"Đã yêu cầu lượt nhận — ingest triggered: flow run {flow_run.name} ({flow_run.id})"
        except Exception as exc:        # the file is in the inbox either way: the schedule takes it
            note = (f"Không gọi được lượt nhận ({type(exc).__name__}); lượt nhận theo lịch sẽ lấy file — could not "
                    f"trigger the ingest; the next scheduled run takes the file")
            log.warning("ingest trigger failed: %s", exc)
        if on_done:
            on_done(note)
    thread = threading.Thread(target=run, name="cotmoc-portal-trigger", daemon=True)
    thread.start()


def _filed(settings: Settings, inbox_path: Path, sha256: str) -> tuple[str, Path] | None:
    """Where the ingest filed the file: archive/<province>/<stem>__<sha8>…, the held folder (an approved period),
    rejected/… or the duplicates folder
    (the names cotmoc.pipeline.filing.destination gives; the stem is the portal's own, unique per upload)."""
    from cotmoc.pipeline.approval import held_root
    from cotmoc.pipeline.filing import DUPLICATES_DIR, UNKNOWN_PROVINCE_DIR
    pattern = f"{inbox_path.stem}__{sha256[:8]}*{inbox_path.suffix}"
    for state, folder in (("loaded", settings.archive / inbox_path.parent.name),
                          ("held", held_root(settings) / inbox_path.parent.name),
                          ("rejected", settings.rejected / inbox_path.parent.name),
                          ("rejected", settings.rejected / UNKNOWN_PROVINCE_DIR),
                          ("duplicate", settings.archive / DUPLICATES_DIR)):
        for found in sorted(folder.glob(pattern)):
            if not is_steward_file(found.name):
                return state, found
    return None


def follow(settings: Settings, inbox_path: str, sha256: str) -> dict:
    """What became of a submitted file. In this order, because each step is true sooner than the next:
    1. still in the inbox → waiting;
    2. in the published copy (same fingerprint AND the same inbox path, so an earlier upload of the same bytes
       is never mistaken for this one) → its warehouse status, what it superseded, its figures;
    3. filed by the ingest (archive/, the held folder, rejected/ or the duplicates folder, with `.loi.json`
       beside it) → loaded, held, rejected or duplicate, before the next rollup publishes it;
    4. otherwise the ingest has taken it and is working on it → processing."""
    path = Path(inbox_path)
    if path.exists():
        return {"state": "waiting"}
    rows = query(settings, "submission_by_file", {"sha256": sha256, "path": str(path)})
    if rows:
        sub = rows[0]
        state = {"accepted": "loaded", "superseded": "loaded"}.get(sub["status"], sub["status"])
        superseded = query(settings, "superseded_by", {"id": sub["submission_id"]})
        return {"state": state, "published": True, "submission": sub, "superseded": superseded}
    filed = _filed(settings, path, sha256)
    if filed:
        state, where = filed
        out = {"state": state, "published": False, "stored": where}
        loi, report = report_paths(where)
        if report.exists():
            doc = json.loads(report.read_text(encoding="utf-8"))
            out.update(errors=doc.get("errors", 0), warnings=doc.get("warnings", 0),
                       problems=[_shown(_problem(p)) for p in doc.get("problems", [])[:20]])
            out["annotated"] = loi if loi.exists() else None
        return out
    return {"state": "processing"}
