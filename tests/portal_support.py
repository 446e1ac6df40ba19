"""What the portal tests share: an office home with the demo data loaded and published, accounts made with the
real `cotmoc users` command, the real server (`cotmoc web` under uvicorn) on a free loopback port, and a
small HTTP client that logs in and posts forms with their CSRF token as a browser would."""
from __future__ import annotations

import http.cookiejar
import os
import re
import shutil
import subprocess
import sys
import urllib.error
import urllib.request
import uuid
from contextlib import contextmanager
from pathlib import Path

from tests.processes import free_port, running

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "inputs" / "samples"
COTMOC = str(Path(sys.executable).parent / "cotmoc")
PASSWORDS = {"van_phong": "office-pass-123", "dien_bien": "dien-bien-pass-1", "lai_chau": "lai-chau-pass-12"}


def cotmoc_env(home: Path) -> dict:
    env = {**os.environ, "COTMOC_HOME": str(home), "PREFECT_LOGGING_LEVEL": "WARNING"}
    env.pop("PREFECT_API_URL", None)
    return env


def make_home(home: Path, *, skip: tuple[str, ...] = ("dien_bien_2016.xlsx",)) -> Path:
    """The demo data (every sample but `skip`) ingested with the plain ingest and published by the rollup, and
    three accounts: the office, Điện Biên's steward and Lai Châu's steward."""
    from cotmoc.core.config import load_settings
    inbox = home / "inputs" / "inbox"
    inbox.mkdir(parents=True)
    for src in sorted(SAMPLES.glob("*/*.xlsx")):
        if src.name not in skip:
            shutil.copy2(src, inbox / src.name)
    settings = load_settings(home, environ={})
    ingest_and_publish(settings)
    for name, password in PASSWORDS.items():
        secret = home / f".{name}.pw"
        secret.write_text(password + "\n", encoding="utf-8")
        who = ["--office"] if name == "van_phong" else ["--province", name]
        subprocess.run([COTMOC, "users", "add", name, *who, "--password-file", str(secret)], env=cotmoc_env(home),
                       cwd=home, check=True, capture_output=True, stdin=subprocess.DEVNULL)
        secret.unlink()
    return home


def ingest_and_publish(settings) -> list:
    """What the office's scheduled runs do, without Prefect: the plain ingest, then the rollup and publish."""
    from cotmoc.pipeline.ingest import ingest_inbox
    from cotmoc.pipeline.rollup import run_rollup
    from cotmoc.warehouse.db import open_warehouse
    outcomes = ingest_inbox(settings)
    with open_warehouse(settings.warehouse) as con:
        run_rollup(con, settings.warehouse, settings.exports)
    return outcomes


@contextmanager
def portal_server(home: Path, extra_env: dict | None = None):
    """`cotmoc web` on a free loopback port; yields its base URL; stopped (and waited for) at the end."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with running([COTMOC, "web", "--host", "127.0.0.1", "--port", str(port)],
                 env={**cotmoc_env(home), **(extra_env or {})}, cwd=home, log=home / f"web-{port}.log",
                 what="portal", ready_url=f"{base}/dang-nhap", ready_timeout=90, pause=0.3, stop_timeout=20):
        yield base


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Client:
    """A cookie-keeping HTTP client that does not follow redirects (tests look at them)."""

    def __init__(self, base: str):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect())

    def request(self, method: str, path: str, *, data: bytes | None = None, headers: dict | None = None):
        req = urllib.request.Request(self.base + path, data=data, method=method, headers=headers or {})
        try:
            with self.opener.open(req, timeout=60) as r:
                return r.status, dict(r.headers), r.read()
        except urllib.error.HTTPError as e:
            return e.code, dict(e.headers), e.read()

    def get(self, path: str):
        return self.request("GET", path)

    def csrf(self, path: str) -> str:
        status, _, body = self.get(path)
        found = re.search(rb'name="csrf" value="([^"]*)"', body)
        assert found, (status, body[:500])
        return found.group(1).decode()

    def post(self, path: str, fields: dict, *, files: dict | None = None):
        boundary = uuid.uuid4().hex
        parts = []
        for name, value in fields.items():
            parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
        for name, (filename, content) in (files or {}).items():
            parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                         f'Content-Type: application/octet-stream\r\n\r\n'.encode() + content + b"\r\n")
        body = b"".join(parts) + f"--{boundary}--\r\n".encode()
        return self.request("POST", path, data=body,
                            headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})

    def login(self, name: str, password: str | None = None):
        token = self.csrf("/dang-nhap")
        return self.post("/dang-nhap", {"csrf": token, "name": name, "password": password or PASSWORDS[name]})

    def upload(self, province: str, filename: str, content: bytes, token: str | None = None):
        token = token or self.csrf(f"/tinh/{province}/kiem-tra")
        return self.post(f"/tinh/{province}/kiem-tra", {"csrf": token}, files={"file": (filename, content)})
