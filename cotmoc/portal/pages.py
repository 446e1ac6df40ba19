"""The province's pages: home (periods owed), check (upload → verdict), one upload (verdict, submit, follow),
history, and the downloads (pre-filled template, annotated copy). Every route first decides who may see it
(`Portal.scope_province`: another province's anything is a 404)."""
from __future__ import annotations

import contextlib
import hashlib
import json
import re
import secrets
import shutil
import tempfile
import time
from pathlib import Path

from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse
from starlette.routing import Route

from cotmoc.portal import library
from cotmoc.portal.app import RENDER, Portal
from cotmoc.portal.store import now_text

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_UPLOAD_ID = re.compile(r"^[A-Za-z0-9_-]{8,40}$")
_SUFFIX = re.compile(r"^\.[a-z0-9]{1,8}$")


@contextlib.asynccontextmanager
async def lifespan(app):
    """Warm the checking code once (imports, pandera's schemas) so the first steward's verdict is as quick
    as every other one."""
    portal: Portal = app.state.portal
    await run_in_threadpool(_warm, portal)
    yield


def _warm(portal: Portal) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = library.template(Path(tmp) / "warm.xlsx", "dien_bien", "2016")
        library.check_upload(path, portal.settings, sha256="0" * 64)


def _stored_name(uploaded: str, upload_id: str) -> str:
    """The server's name for an upload: a plain-ASCII slug of the stem (so the steward recognises it in the
    messages), the upload's id, the lower-cased suffix. Never a path: every character is from [a-z0-9_-]."""
    base = uploaded.replace("\\", "/").rsplit("/", 1)[-1]
    stem, dot, suffix = base.rpartition(".")
    if not dot:
        stem, suffix = base, ""
    slug = library.ascii_slug(stem) or "bao_cao"
    suffix = f".{suffix.lower()}" if _SUFFIX.match(f".{suffix.lower()}") else ".bin"
    return f"{slug}__{upload_id[:10]}{suffix}"


def _own_upload(portal: Portal, request: Request, province: str, upload_id: str) -> dict:
    portal.scope_province(request, province)
    row = portal.store.upload(upload_id) if _UPLOAD_ID.match(upload_id) else None
    if row is None or row["province"] != province:
        raise HTTPException(404)
    return row


def _copy_path(portal: Portal, row: dict) -> Path:
    return portal.files / row["upload_id"] / row["stored_name"]


# --- home ---------------------------------------------------------------------------------------------
async def province_home(request: Request):
    portal: Portal = request.app.state.portal
    province = request.path_params["province"]
    portal.scope_province(request, province)
    show_all = request.query_params.get("tat-ca") == "1"
    periods = await run_in_threadpool(library.periods_owed, portal.settings, province, today=portal.today,
                                      last=1000 if show_all else 8)
    pending = {(u["result"]["province"], u["period"]): u for u in
               reversed(portal.store.uploads(province=province, submitted=True, limit=50))}
    for p in periods:
        p["sent"] = pending.get((p["province"], p["period"]))
        portal.name_as_sent(p["held"])
    return RENDER.page(request, "province_home.html", province=province, periods=periods, show_all=show_all,
                       province_name=library.province_name(province))


async def template_download(request: Request):
    portal: Portal = request.app.state.portal
    province, code, period = (request.path_params[k] for k in ("province", "code", "period"))
    portal.scope_province(request, province)
    if code not in library.reporting_codes(province):
        raise HTTPException(404)
    tmp = Path(tempfile.mkdtemp(prefix="cotmoc-portal-"))
    name = f"mau_bao_cao_{code}_{period}.xlsx"
    try:
        path = await run_in_threadpool(library.template, tmp / name, code, period)
    except ValueError:
        shutil.rmtree(tmp, ignore_errors=True)
        raise HTTPException(404) from None
    portal.audit(request, "download", what="template", province=code, period=period)
    return FileResponse(path, media_type=XLSX, filename=name,
                        background=BackgroundTask(shutil.rmtree, tmp, ignore_errors=True))


# --- check ----------------------------------------------------------------------------------------------
async def check_page(request: Request):
    portal: Portal = request.app.state.portal
    province = request.path_params["province"]
    portal.scope_province(request, province)
    return RENDER.page(request, "check.html", province=province, province_name=library.province_name(province),
                       suffixes=library.accepted_suffixes(), limit_mb=portal.settings.max_file_bytes / 1e6)


async def check_upload(request: Request):
    portal: Portal = request.app.state.portal
    province = request.path_params["province"]
    account = portal.scope_province(request, province)
    form = await portal.form(request, files=1)
    upload = form.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        return RENDER.page(request, "check.html", status=400, province=province,
                           province_name=library.province_name(province), suffixes=library.accepted_suffixes(),
                           limit_mb=portal.settings.max_file_bytes / 1e6,
                           message="Chưa chọn file — no file chosen")
    upload_id = secrets.token_urlsafe(12)
    stored = _stored_name(upload.filename, upload_id)
    folder = portal.files / upload_id
    folder.mkdir(parents=True)
    path = folder / stored
    digest, size = hashlib.sha256(), 0
    with path.open("wb") as out:
        while chunk := await upload.read(1 << 20):
            digest.update(chunk)
            size += len(chunk)
            out.write(chunk)
    sha = digest.hexdigest()
    portal.audit(request, "upload", upload=upload_id, file=upload.filename, bytes=size, sha256=sha)
    started = time.perf_counter()
    result = await run_in_threadpool(library.check_upload, path, portal.settings, sha256=sha, today=portal.today)
    took = int((time.perf_counter() - started) * 1000)
    allowed = library.reporting_codes(province)
    if result["province"] and result["province"] not in allowed:
        shutil.rmtree(folder, ignore_errors=True)
        portal.audit(request, "refused", upload=upload_id, file=upload.filename, report_province=result["province"])
        message = (f"Báo cáo này là của tỉnh {library.province_name(result['province'])} (ô Tỉnh ở sheet thong_tin); "
                   f"tại đây chỉ gửi được báo cáo của tỉnh {library.province_name(province)}. File không được lưu — "
                   f"This report is for {library.province_name(result['province'])} (the province on sheet thong_tin); "
                   f"only {library.province_name(province)}'s reports can be sent here. The file was not kept.")
        return RENDER.page(request, "check.html", status=422, province=province,
                           province_name=library.province_name(province), suffixes=library.accepted_suffixes(),
                           limit_mb=portal.settings.max_file_bytes / 1e6, message=message)
    portal.store.add_upload({
        "upload_id": upload_id, "account": account.name, "province": province, "uploaded_name": upload.filename[:255],
        "stored_name": stored, "sha256": sha, "size_bytes": size, "uploaded_at": now_text(), "check_ms": took,
        "report_province": result["province"], "period": result["period"], "errors": len(result["errors"]),
        "warnings": len(result["warnings"]), "result_json": json.dumps(result, ensure_ascii=False, default=str)})
    portal.audit(request, "check", upload=upload_id, errors=len(result["errors"]), warnings=len(result["warnings"]),
                 ms=took)
    return RedirectResponse(f"/tinh/{province}/lan-gui/{upload_id}", status_code=303)


# --- one upload: verdict, submit, follow ------------------------------------------------------------------
async def upload_page(request: Request, message: str = "", status: int = 200):
    portal: Portal = request.app.state.portal
    province, upload_id = request.path_params["province"], request.path_params["upload_id"]
    row = _own_upload(portal, request, province, upload_id)
    followed, before = None, None
    if row["submitted_at"]:
        followed = await run_in_threadpool(library.follow, portal.settings, row["inbox_path"], row["sha256"])
    else:
        before = await run_in_threadpool(library.before_sending, portal.settings, row["sha256"],
                                         row["result"]["province"], row["result"]["period"])
    return RENDER.page(request, "upload.html", status=status, province=province, row=row, result=row["result"],
                       followed=followed, before=before, message=message,
                       province_name=library.province_name(province))


async def submit(request: Request):
    portal: Portal = request.app.state.portal
    province, upload_id = request.path_params["province"], request.path_params["upload_id"]
    row = _own_upload(portal, request, province, upload_id)
    form = await portal.form(request)
    if row["submitted_at"]:
        return RedirectResponse(f"/tinh/{province}/lan-gui/{upload_id}", status_code=303)
    if library.before_sending(portal.settings, row["sha256"], None, None)["known"]:
        return await upload_page(request, "Kho đã có đúng file này: gửi lại sẽ không nạp gì — the warehouse already "
                                          "has these exact bytes: sending them again would load nothing", 409)
    if row["errors"]:
        return await upload_page(request, "Báo cáo còn lỗi nên chưa gửi được: sửa rồi kiểm tra lại — the report has "
                                          "errors and cannot be sent: fix them and check again", 409)
    if row["warnings"] and form.get("confirm") != "yes":
        return await upload_page(request, "Báo cáo có cảnh báo: đánh dấu ô xác nhận đã xem rồi bấm Gửi — the report "
                                          "has warnings: tick the box to confirm you have read them, then Send", 409)
    folder = row["result"]["province"]
    target = portal.settings.inbox / folder / row["stored_name"]
    if not portal.store.mark_submitted(upload_id, request.state.account.name, str(target)):
        return RedirectResponse(f"/tinh/{province}/lan-gui/{upload_id}", status_code=303)
    await run_in_threadpool(library.hand_to_inbox, _copy_path(portal, row), portal.settings, folder,
                            row["stored_name"])
    portal.audit(request, "submit", upload=upload_id, file=row["uploaded_name"], sha256=row["sha256"],
                 inbox=str(target))
    library.trigger_ingest(on_done=lambda note: portal.store.set_trigger_note(upload_id, note))
    return RedirectResponse(f"/tinh/{province}/lan-gui/{upload_id}", status_code=303)


async def annotated_download(request: Request):
    portal: Portal = request.app.state.portal
    province, upload_id = request.path_params["province"], request.path_params["upload_id"]
    row = _own_upload(portal, request, province, upload_id)
    out = library.annotated_path(row["stored_name"], portal.files / upload_id)
    if not out.exists():
        await run_in_threadpool(library.annotated_copy, _copy_path(portal, row), row["result"], out)
    portal.audit(request, "download", what="annotated", upload=upload_id)
    return FileResponse(out, media_type=XLSX, filename=out.name)


async def history(request: Request):
    portal: Portal = request.app.state.portal
    province = request.path_params["province"]
    portal.scope_province(request, province)
    published = await run_in_threadpool(library.published_submissions, portal.settings,
                                        library.reporting_codes(province))
    sent = portal.store.uploads(province=province, submitted=True)
    by_sha = portal.store.uploads_by_sha([s["sha256"] for s in published])
    shown = {s["sha256"] for s in published}
    waiting = []
    for u in sent:
        if u["sha256"] not in shown:
            u["followed"] = await run_in_threadpool(library.follow, portal.settings, u["inbox_path"], u["sha256"])
            waiting.append(u)
    for s in published:
        s["upload"] = by_sha.get(s["sha256"])
        s["province_name"] = library.province_name(s["province_code"])
        s["has_loi"] = library.filed_annotated(s["stored_path"]) is not None
    checks = portal.store.uploads(province=province, submitted=False, limit=20)
    return RENDER.page(request, "history.html", province=province, province_name=library.province_name(province),
                       published=published, waiting=waiting, checks=checks)


async def filed_annotated_download(request: Request):
    """The annotated copy of one of the province's submissions that reached the warehouse another way (the
    office's inbox): 404 for any other province's."""
    portal: Portal = request.app.state.portal
    province = request.path_params["province"]
    portal.scope_province(request, province)
    try:
        sub = await run_in_threadpool(library.submission, portal.settings, int(request.path_params["submission_id"]))
    except ValueError:
        raise HTTPException(404) from None
    loi = library.filed_annotated(sub["stored_path"]) if sub else None
    if loi is None or sub["province_code"] not in library.reporting_codes(province):
        raise HTTPException(404)
    portal.audit(request, "download", what="annotated", submission=sub["submission_id"])
    return FileResponse(loi, media_type=XLSX, filename=loi.name)


def routes() -> list[Route]:
    from cotmoc.portal import office
    p = "/tinh/{province}"
    return [
        Route(p, province_home),
        Route(p + "/mau/{code}/{period}.xlsx", template_download),
        Route(p + "/kiem-tra", check_page, methods=["GET"]),
        Route(p + "/kiem-tra", check_upload, methods=["POST"]),
        Route(p + "/lan-gui/{upload_id}", upload_page, methods=["GET"]),
        Route(p + "/lan-gui/{upload_id}/gui", submit, methods=["POST"]),
        Route(p + "/lan-gui/{upload_id}/ban-chu-thich.xlsx", annotated_download),
        Route(p + "/lich-su", history),
        Route(p + "/ho-so/{submission_id}/loi.xlsx", filed_annotated_download),
        *office.routes(),
    ]

