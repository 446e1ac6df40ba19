"""The office's pages (office accounts only; anyone else gets a 404): the completeness matrix of `cotmoc status`,
every rejection with its first errors, one submission, the national figures of a period with their charts,
the national workbook, the audit log.

Period approval: the office page lists, per period shown, each accepted report with its approval state and the
forms to approve it (or all of them) and to unlock an approved one; the submission page has the same forms for
its report. The two POST routes run `cotmoc approve` / `cotmoc unlock`'s functions (through library) as the
signed-in office account; a steward's POST is refused with 403 (the pages themselves answer stewards 404)."""
from __future__ import annotations

import re

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse
from starlette.routing import Route

from cotmoc.portal import library
from cotmoc.portal.app import RENDER, Portal
from cotmoc.portal.pages import XLSX


def _periods(request: Request) -> list[str] | None:
    """Periods chosen in the query string (?ky=2016&ky=2019), validated; None for the default."""
    chosen = [p for typed in request.query_params.getlist("ky") for p in re.split(r"[\s,;]+", typed) if p]
    try:
        return [library.period_code(p) for p in chosen] or None
    except ValueError:
        raise HTTPException(404) from None


async def office_home(request: Request, periods: list[str] | None = None, result: dict | None = None,
                      kept: dict | None = None, status: int = 200):
    """The office page; after an approve / unlock, with its `result` (and, if nothing was done, the form `kept`
    as typed, to send again)."""
    portal: Portal = request.app.state.portal
    portal.require_office(request)
    matrix = await run_in_threadpool(library.office_status, portal.settings, today=portal.today,
                                     periods=periods or _periods(request))
    rejected = await run_in_threadpool(library.rejections, portal.settings, matrix["periods"])
    by_sha = portal.store.uploads_by_sha([r["sha256"] for r in rejected])
    for r in rejected:
        r["upload"] = by_sha.get(r["sha256"])
    national = await run_in_threadpool(library.national_periods, portal.settings)
    approvals = await run_in_threadpool(library.office_approvals, portal.settings, matrix["periods"])
    for period in approvals:
        for row in period["rows"]:
            portal.name_as_sent(row["held_reports"])
    return RENDER.page(request, "office.html", status=status, matrix=matrix, rejected=rejected,
                       national_periods=national, approvals=approvals, result=result, kept=kept or {})


async def _approval_form(request: Request, fields: tuple[str, ...]) -> tuple[dict, str]:
    """The posted approval form (CSRF checked first) and its period, for an office account only: a steward's
    POST is refused with 403 and logged."""
    portal: Portal = request.app.state.portal
    account = portal.require(request)
    form = await portal.form(request)
    if not account.is_office:
        portal.audit(request, "refused", path=request.url.path, why="not office")
        raise HTTPException(403, detail="Chỉ tài khoản văn phòng mới được duyệt hoặc mở khóa kỳ báo cáo — only an "
                                        "office account may approve or unlock a period")
    values = {k: str(form.get(k) or "").strip()[:500] for k in ("period", *fields)}
    try:
        period = library.period_code(values["period"])
    except ValueError:
        raise HTTPException(404) from None
    return values, period


def _answer(result: dict) -> int:
    return 200 if result["ok"] else 503 if result["busy"] else 409


async def approve(request: Request):
    portal: Portal = request.app.state.portal
    values, period = await _approval_form(request, ("submissions", "note", "form"))
    try:
        seen = [int(x) for x in values["submissions"].split()]
    except ValueError:
        raise HTTPException(404) from None
    result = await run_in_threadpool(library.approve, portal.settings, period, seen,
                                     actor=request.state.account.name, note=values["note"])
    portal.audit(request, "approve" if result["ok"] else "approve_not_done", period=period,
                 submissions=values["submissions"], busy=result["busy"])
    return await _after(request, period, result, values, "approve")


async def unlock(request: Request):
    portal: Portal = request.app.state.portal
    values, period = await _approval_form(request, ("province", "reason", "form"))
    result = await run_in_threadpool(library.unlock, portal.settings, period, values["province"],
                                     actor=request.state.account.name, reason=values["reason"])
    portal.audit(request, "unlock" if result["ok"] else "unlock_not_done", period=period,
                 province=values["province"], busy=result["busy"])
    return await _after(request, period, result, values, "unlock")


async def _after(request: Request, period: str, result: dict, values: dict, action: str):
    """The office page (the period acted on among those shown) with what was done, or why not."""
    back = _periods(request) or []         # the periods the page showed (the form's address carries them)
    kept = {} if result["ok"] else {**values, "action": action}
    return await office_home(request, periods=back + [period] * (period not in back), result=result,
                             kept=kept, status=_answer(result))


async def office_submission(request: Request):
    portal: Portal = request.app.state.portal
    portal.require_office(request)
    try:
        submission_id = int(request.path_params["submission_id"])
    except ValueError:
        raise HTTPException(404) from None
    sub = await run_in_threadpool(library.submission, portal.settings, submission_id)
    if sub is None:
        raise HTTPException(404)
    sub["upload"] = portal.store.uploads_by_sha([sub["sha256"]]).get(sub["sha256"])
    loi = library.filed_annotated(sub["stored_path"])
    periods = [sub["period"]] if sub["period"] else []
    key = (sub["province_code"], sub["period"])
    approval = (await run_in_threadpool(library.approval_states, portal.settings, periods)).get(key)
    held = portal.name_as_sent((await run_in_threadpool(library.held_reports, portal.settings, periods)).get(key, []))
    return RENDER.page(request, "office_submission.html", sub=sub, has_loi=loi is not None, approval=approval,
                       held=held, kept={})


async def office_submission_loi(request: Request):
    portal: Portal = request.app.state.portal
    portal.require_office(request)
    try:
        sub = await run_in_threadpool(library.submission, portal.settings, int(request.path_params["submission_id"]))
    except ValueError:
        raise HTTPException(404) from None
    loi = library.filed_annotated(sub["stored_path"]) if sub else None
    if loi is None:
        raise HTTPException(404)
    portal.audit(request, "download", what="annotated", submission=sub["submission_id"])
    return FileResponse(loi, media_type=XLSX, filename=loi.name)


def _period(request: Request) -> str:
    try:
        return library.period_code(request.path_params["period"])
    except ValueError:
        raise HTTPException(404) from None


async def national_page(request: Request):
    portal: Portal = request.app.state.portal
    portal.require_office(request)
    period = _period(request)
    figures = await run_in_threadpool(library.national, portal.settings, period)
    workbook = library.national_workbook(portal.settings, period)
    bars = {view: max([r[key] or 0 for r in figures[view]] or [0]) for view, key in
            (("teams", "teams"), ("segments", "length_km"), ("awards", "collectives"))}
    return RENDER.page(request, "national.html", period=period, figures=figures, workbook=workbook is not None,
                       bars=bars, periods=await run_in_threadpool(library.national_periods, portal.settings))


async def national_download(request: Request):
    portal: Portal = request.app.state.portal
    portal.require_office(request)
    period = _period(request)
    workbook = library.national_workbook(portal.settings, period)
    if workbook is None:
        raise HTTPException(404)
    portal.audit(request, "download", what="national", period=period)
    return FileResponse(workbook, media_type=XLSX, filename=workbook.name)


async def audit_page(request: Request):
    portal: Portal = request.app.state.portal
    portal.require_office(request)
    return RENDER.page(request, "audit.html", entries=portal.store.audit_log(300))


def routes() -> list[Route]:
    return [
        Route("/van-phong", office_home),
        Route("/van-phong/ho-so/{submission_id}", office_submission),
        Route("/van-phong/ho-so/{submission_id}/loi.xlsx", office_submission_loi),
        Route("/van-phong/toan-quoc/{period}", national_page),
        Route("/van-phong/toan-quoc/{period}/bao-cao.xlsx", national_download),
        Route("/van-phong/nhat-ky", audit_page),
        Route("/van-phong/duyet", approve, methods=["POST"]),
        Route("/van-phong/mo-khoa", unlock, methods=["POST"]),
    ]
