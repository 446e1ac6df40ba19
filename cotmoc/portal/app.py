"""The portal's ASGI app (Starlette, pages rendered by Jinja2 with autoescaping on).

Security in one place:
- who may see what (`scope_province`): a steward sees only their province's pages; any other province's
  page, upload or file answers 404 whatever the URL or id (never 403, which would confirm it exists);
- signed session cookies (HttpOnly, SameSite=Lax, Secure when the request came over TLS, directly or through
  a reverse proxy uvicorn trusts), sessions kept server-side (store.py);
- a CSRF token in every form, checked before anything is done with a POST;
- request bodies capped (`BodyLimit`): an upload at the ingest's own limit (Settings.max_file_bytes), anything
  else at 64 KiB; every response carries a strict Content-Security-Policy (no script, nothing external).
"""
from __future__ import annotations

import logging
from datetime import date
from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from cotmoc.portal import library, security
from cotmoc.portal.store import Account, Store

log = logging.getLogger("cotmoc.portal")
SESSION_COOKIE = "cotmoc_session"
PRE_CSRF_COOKIE = "cotmoc_csrf"
SMALL_BODY = 64 * 1024
MULTIPART_OVERHEAD = 64 * 1024
CSP = ("default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; "
       "base-uri 'none'")


class BodyTooLarge(Exception):
    pass


class BodyLimit:
    """Caps every request body (the Content-Length it announces and the bytes it really sends): uploads at the
    ingest's file limit plus the form's own bytes, anything else at SMALL_BODY. Adds the security headers."""

    def __init__(self, app, upload_bytes: int):
        self.app, self.upload_bytes = app, upload_bytes

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        is_upload = scope["path"].endswith("/kiem-tra") and scope["method"] == "POST"
        limit = self.upload_bytes + MULTIPART_OVERHEAD if is_upload else SMALL_BODY
        headers = dict(scope.get("headers") or [])
        started = False

        async def send_with_headers(message):
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                message.setdefault("headers", [])
                message["headers"] = list(message["headers"]) + [
                    (b"content-security-policy", CSP.encode()), (b"x-content-type-options", b"nosniff"),
                    (b"x-frame-options", b"DENY"), (b"referrer-policy", b"same-origin"),
                    (b"cache-control", b"no-store")] + (
                    [(b"strict-transport-security", b"max-age=31536000")] if scope.get("scheme") == "https" else [])
            await send(message)

        try:
            announced = int(headers.get(b"content-length", b"0") or 0)
        except ValueError:
            announced = 0
        if announced > limit:
            return await _too_large(scope, send_with_headers, self.upload_bytes)
        seen = 0

        async def counted():
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise BodyTooLarge()
            return message

        try:
            await self.app(scope, counted, send_with_headers)
        except BodyTooLarge:
            if not started:
                await _too_large(scope, send_with_headers, self.upload_bytes)


async def _too_large(scope, send, limit: int):
    """The ingest's limit, said the way the ingest says it (cotmoc/workbook.py's file.too_large)."""
    text = (f"File quá lớn (tối đa {limit / 1e6:.0f} MB): nén bớt ảnh hoặc tách báo cáo rồi gửi lại — "
            f"The file is too large (limit {limit / 1e6:.0f} MB)")
    body = RENDER.env.get_template("error.html").render(title="Quá lớn — Too large", message=text, account=None,
                                                        csrf="").encode()
    await send({"type": "http.response.start", "status": 413,
                "headers": [(b"content-type", b"text/html; charset=utf-8"), (b"connection", b"close"),
                            (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


class Render:
    def __init__(self):
        self.env = Environment(loader=PackageLoader("cotmoc.portal", "templates"),
                               autoescape=select_autoescape(default=True, default_for_string=True))
        self.env.filters.update(vi_number=library.vi_number, province_name=library.province_name,
                                vi_percent=library.vi_percent,
                                vi_date=lambda d: d.strftime("%d/%m/%Y") if d else "—",
                                vi_time=lambda t: (t.strftime("%d/%m/%Y %H:%M") if hasattr(t, "strftime") else
                                                   str(t or "—")))

    def page(self, request: Request, name: str, status: int = 200, **context) -> HTMLResponse:
        user = getattr(request.state, "account", None)
        csrf = getattr(request.state, "csrf", None) or ""
        html = self.env.get_template(name).render(request=request, account=user, csrf=csrf, **context)
        return HTMLResponse(html, status_code=status)


RENDER = Render()


def client_of(request: Request) -> str:
    return request.client.host if request.client else "?"


def cookie(response: Response, request: Request, name: str, value: str, *, max_age: int | None = None,
           samesite: str = "lax") -> None:
    response.set_cookie(name, value, max_age=max_age, httponly=True, samesite=samesite, path="/",
                        secure=request.url.scheme == "https")


class Portal:
    """What every route needs: the settings, the state store, where uploads are kept."""

    def __init__(self, settings: library.Settings, today: date | None = None):
        self.settings = settings
        db_path, self.files = library.state_paths(settings)
        self.store = Store(db_path)
        self.today = today

    def name_as_sent(self, reports: list[dict]) -> list[dict]:
        """Each report (a held one, from the warehouse) with `sent_name`: the name its steward gave the file when
        it came through the portal (the inbox keeps a server-made name), else the name it was filed under."""
        by_sha = self.store.uploads_by_sha([r["sha256"] for r in reports if r.get("sha256")])
        for r in reports:
            upload = by_sha.get(r.get("sha256"))
            r["sent_name"] = upload["uploaded_name"] if upload else r["file_name"]
        return reports

    def audit(self, request: Request, action: str, **detail) -> None:
        """The audit log (store.py) and one log line (the service's journal); never a password."""
        user = getattr(request.state, "account", None)
        self.store.audit(action, account=user.name if user else None, client=client_of(request), **detail)
        log.info("%s %s from %s %s", action, user.name if user else "-", client_of(request),
                 " ".join(f"{k}={v}" for k, v in detail.items()))

    # --- who is asking ------------------------------------------------------------------------------
    def identify(self, request: Request) -> Account | None:
        token = security.unsign(self.store.secret, request.cookies.get(SESSION_COOKIE))
        found = self.store.session(token) if token else None
        request.state.account, request.state.csrf = found if found else (None, None)
        return request.state.account

    def require(self, request: Request) -> Account:
        """The signed-in account, or a redirect to the login page."""
        account = self.identify(request)
        if account is None:
            raise HTTPException(303, headers={"location": "/dang-nhap"})
        return account

    def scope_province(self, request: Request, province: str) -> Account:
        """The account, when it may see `province`'s pages; 404 otherwise (whatever was tried)."""
        account = self.require(request)
        if account.is_office:
            if not library.is_current_province(province):
                raise HTTPException(404)
            return account
        if account.province != province:
            raise HTTPException(404)
        return account

    def require_office(self, request: Request) -> Account:
        account = self.require(request)
        if not account.is_office:
            raise HTTPException(404)
        return account

    async def form(self, request: Request, *, files: int = 0):
        """The posted form, once its CSRF token matches (the session's, or the login form's cookie)."""
        form = await request.form(max_files=files, max_fields=8)
        sent = form.get("csrf")
        if request.state.account is not None:
            expected = request.state.csrf
        else:
            expected = security.unsign(self.store.secret, request.cookies.get(PRE_CSRF_COOKIE))
        if not isinstance(sent, str) or not security.same(sent, expected):
            self.audit(request, "csrf_refused", path=request.url.path)
            raise HTTPException(403, detail="csrf")
        return form


# --- login ------------------------------------------------------------------------------------------
async def home(request: Request):
    portal: Portal = request.app.state.portal
    account = portal.require(request)
    return RedirectResponse("/van-phong" if account.is_office else f"/tinh/{account.province}", status_code=303)


async def login_page(request: Request, message: str = "", status: int = 200):
    portal: Portal = request.app.state.portal
    portal.identify(request)
    if request.state.account is not None and request.method == "GET":
        return RedirectResponse("/", status_code=303)
    pre = security.new_token()
    request.state.csrf = pre
    response = RENDER.page(request, "login.html", status=status, message=message)
    cookie(response, request, PRE_CSRF_COOKIE, security.sign(portal.store.secret, pre), samesite="strict")
    return response


async def login(request: Request):
    from starlette.concurrency import run_in_threadpool
    portal: Portal = request.app.state.portal
    request.state.account = None
    form = await portal.form(request)
    name, password = str(form.get("name", "")).strip(), str(form.get("password", ""))
    keys = portal.store.throttle_keys(name, client_of(request))
    wait = portal.store.locked_for(keys)
    if wait:
        portal.audit(request, "login_locked", name=name)
        minutes = max(1, round(wait / 60))
        return await login_page(request, f"Đăng nhập sai quá nhiều lần: tạm khoá, thử lại sau khoảng {minutes} phút — "
                                         f"too many failed logins: locked, try again in about {minutes} min", 429)
    account = await run_in_threadpool(portal.store.login, name, password)
    if account is None:
        portal.store.record_failure(keys)
        portal.audit(request, "login_failed", name=name)
        return await login_page(request, "Sai tên đăng nhập hoặc mật khẩu — wrong account name or password", 401)
    token, csrf = portal.store.new_session(account.name)
    request.state.account, request.state.csrf = account, csrf
    portal.audit(request, "login")
    response = RedirectResponse("/", status_code=303)
    cookie(response, request, SESSION_COOKIE, security.sign(portal.store.secret, token))
    response.delete_cookie(PRE_CSRF_COOKIE, path="/")
    return response


async def logout(request: Request):
    portal: Portal = request.app.state.portal
    portal.require(request)
    await portal.form(request)
    portal.audit(request, "logout")
    token = security.unsign(portal.store.secret, request.cookies.get(SESSION_COOKIE))
    if token:
        portal.store.end_session(token)
    response = RedirectResponse("/dang-nhap", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


async def http_error(request: Request, exc: HTTPException):
    if exc.status_code in (301, 302, 303, 307) and exc.headers:
        return RedirectResponse(exc.headers["location"], status_code=exc.status_code)
    if not hasattr(request.state, "account"):
        request.state.account = None
    messages = {404: ("Không tìm thấy — Not found", "Trang hoặc tệp này không có, hoặc không thuộc tài khoản của bạn — "
                                                    "this page or file does not exist, or is not yours to see"),
                403: ("Phiên đã hết hạn — Session expired", "Biểu mẫu đã cũ hoặc không hợp lệ: tải lại trang rồi làm "
                                                           "lại — the form is stale or invalid: reload the page and "
                                                           "try again"),
                405: ("Không được phép — Not allowed", "Phương thức không được hỗ trợ — method not allowed")}
    if exc.status_code == 403 and exc.detail != "csrf":      # refused for who is asking, not a stale form
        messages[403] = ("Không được phép — Forbidden", str(exc.detail))
    title, message = messages.get(exc.status_code, (f"Lỗi {exc.status_code} — Error", str(exc.detail)))
    return RENDER.page(request, "error.html", status=exc.status_code, title=title, message=message)


def create_app(settings: library.Settings | None = None, *, today: date | None = None) -> Starlette:
    from cotmoc.portal import pages
    settings = settings or library.load_settings()
    portal = Portal(settings, today)
    static = Path(__file__).with_name("static")
    routes = [
        Route("/", home),
        Route("/dang-nhap", login_page, methods=["GET"]),
        Route("/dang-nhap", login, methods=["POST"]),
        Route("/dang-xuat", logout, methods=["POST"]),
        *pages.routes(),
        Mount("/static", StaticFiles(directory=static), name="static"),
    ]
    app = Starlette(routes=routes, exception_handlers={HTTPException: http_error},
                    middleware=[Middleware(BodyLimit, upload_bytes=settings.max_file_bytes)],
                    lifespan=pages.lifespan)
    app.state.portal = portal
    return app
