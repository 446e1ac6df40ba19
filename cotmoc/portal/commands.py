"""What `cotmoc web` and `cotmoc users …` do (cotmoc/cli.py only parses their options)."""
from __future__ import annotations

import getpass
import secrets
import sys
from pathlib import Path

from cotmoc.portal import library
from cotmoc.portal.store import AccountError, Store

DEMO_ACCOUNTS = (("van_phong", None), ("dien_bien", "dien_bien"))


def store_for(settings: library.Settings) -> Store:
    return Store(library.state_paths(settings)[0])


def serve(host: str = "127.0.0.1", port: int = 8080, settings: library.Settings | None = None) -> None:
    """Serve the portal with uvicorn until interrupted. X-Forwarded-* headers are trusted from the loopback
    only (a TLS reverse proxy on the same machine: docs/portal.md), so cookies are Secure behind it."""
    import logging
    import uvicorn
    from cotmoc.portal.app import create_app
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = settings or library.load_settings()
    app = create_app(settings)
    print(f"Cổng báo cáo / reporting portal: http://{host}:{port}/  (Ctrl-C để dừng / to stop)", flush=True)
    uvicorn.run(app, host=host, port=port, proxy_headers=True, forwarded_allow_ips="127.0.0.1",
                log_level="info", access_log=False, server_header=False)


def _password(password_file: str | None) -> str:
    if password_file:
        try:
            text = Path(password_file).read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            raise AccountError(f"Không đọc được file mật khẩu '{password_file}' — cannot read the password file: "
                               f"{exc}") from None
        return text[0] if text else ""
    if not sys.stdin.isatty():
        raise AccountError("Cần --password-file khi không có bàn phím — --password-file is needed without a terminal")
    first = getpass.getpass("Mật khẩu / password: ")
    if getpass.getpass("Nhập lại / again: ") != first:
        raise AccountError("Hai lần nhập không khớp — the two entries differ")
    return first


def users_add(name: str, *, province: str | None, office: bool, password_file: str | None,
              settings: library.Settings | None = None) -> int:
    if bool(province) == bool(office):
        raise AccountError("Chọn --province CODE hoặc --office — choose --province CODE or --office")
    settings = settings or library.load_settings()
    code = library.account_province(province) if province else None
    account = store_for(settings).add_account(name, _password(password_file), province=code)
    print(f"Đã tạo tài khoản / account created: {account.name} ({account.province or 'văn phòng / office'})")
    return 0


def users_list(settings: library.Settings | None = None) -> int:
    from rich.console import Console
    from rich.table import Table
    province_name = library.province_name
    table = Table(title="Tài khoản cổng báo cáo — Portal accounts")
    for col in ("Tên / Name", "Vai trò / Role", "Tỉnh / Province", "Trạng thái / State", "Tạo / Created",
                "Đăng nhập gần nhất / Last login"):
        table.add_column(col)
    for a in store_for(settings or library.load_settings()).accounts():
        table.add_row(a.name, "văn phòng / office" if a.is_office else "tỉnh / province",
                      province_name(a.province) if a.province else "—",
                      "đã khoá / disabled" if a.disabled else "hoạt động / active", a.created_at, a.last_login_at or "—")
    Console().print(table)
    return 0


def users_disable(name: str, settings: library.Settings | None = None) -> int:
    store_for(settings or library.load_settings()).disable(name)
    print(f"Đã khoá tài khoản / account disabled: {name} (mọi phiên đăng nhập đã đóng — its sessions are ended)")
    return 0


def users_password(name: str, password_file: str | None, settings: library.Settings | None = None) -> int:
    store_for(settings or library.load_settings()).set_password(name, _password(password_file))
    print(f"Đã đổi mật khẩu / password changed: {name}")
    return 0


def users_demo(settings: library.Settings | None = None) -> int:
    """The quick start's two accounts (the office and Điện Biên's steward), each with a new random password,
    printed once. Run again: the passwords are renewed."""
    store = store_for(settings or library.load_settings())
    print("Tài khoản thử / demo accounts (mật khẩu chỉ in một lần — passwords are printed once):")
    for name, province in DEMO_ACCOUNTS:
        password = secrets.token_urlsafe(9)
        if store.account(name):
            store.set_password(name, password)
        else:
            store.add_account(name, password, province=province)
        print(f"  {name:<10} {password}   ({'văn phòng / office' if province is None else 'tỉnh Điện Biên / province'})")
    print("Mở cổng / open the portal: cotmoc web  →  http://127.0.0.1:8080/")
    return 0
