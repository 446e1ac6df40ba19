"""The office's pages (office accounts only; anyone else gets a 404): the completeness matrix of `cotmoc status`,
every rejection with its first errors, one submission, the national figures of a period with their charts,
the national workbook, the audit log.

The approval work (approve / unlock a province's report) belongs on the submission page: `office_submission.html`
has the place for its buttons (`{% block decisions %}`), and its routes go in `routes()` below."""
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


async def office_home(request: Request):
    portal: Portal = request.app.state.portal
    portal.require_office(request)
    matrix = await run_in_threadpool(library.office_status, portal.settings, today=portal.today,
                                     periods=_periods(request))
    rejected = await run_in_threadpool(library.rejections, portal.settings, matrix["periods"])
    by_sha = portal.store.uploads_by_sha([r["sha256"] for r in rejected])
    for r in rejected:
        r["upload"] = by_sha.get(r["sha256"])
    national = await run_in_threadpool(library.national_periods, portal.settings)
    return RENDER.page(request, "office.html", matrix=matrix, rejected=rejected, national_periods=national)


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
    return RENDER.page(request, "office_submission.html", sub=sub, has_loi=loi is not None)


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
    ]
