"""The portal's own state in a SQLite file beside the warehouse (`warehouse/portal.sqlite`, schema.sql):
accounts, sessions, login failures, uploads and the audit log. Never the warehouse: the single-writer
rule of DuckDB is untouched, and the portal can be stopped, copied or wiped without touching a figure.

One short connection per call (WAL mode, a busy timeout): the app's worker threads never share one.
"""
from __future__ import annotations

import json
import sqlite3
import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import lru_cache
from importlib.resources import files
from pathlib import Path

from cotmoc.portal import security
from cotmoc.portal.library import UsageError

SESSION_IDLE_SECONDS = 8 * 3600
SESSION_MAX_SECONDS = 24 * 3600
LOCK_AFTER_FAILURES = 5            # failed logins in the window for one account name lock that name …
LOCK_AFTER_FAILURES_ADDRESS = 20   # … and for one client address (an office behind one NAT is many people)
LOCK_WINDOW_SECONDS = 15 * 60      # … for the rest of the window


@lru_cache(maxsize=None)
def _sql(name: str) -> str:
    """A statement of the store: store_queries/<name>.sql (no SQL lives in a Python string)."""
    return files("cotmoc.portal").joinpath("store_queries", f"{name}.sql").read_text(encoding="utf-8")


def now_text() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S")


@dataclass(frozen=True)
class Account:
    name: str
    role: str                      # province | office
    province: str | None
    disabled: bool
    created_at: str
    last_login_at: str | None

    @property
    def is_office(self) -> bool:
        return self.role == "office"


class AccountError(UsageError):
    """A user error in `cotmoc users` (unknown account, duplicate name): a message, not a traceback."""


class Store:
    def __init__(self, path: Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._db() as db:
            db.executescript(files("cotmoc.portal").joinpath("schema.sql").read_text(encoding="utf-8"))
        self.secret = self._secret()

    @contextmanager
    def _db(self):
        db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        db.row_factory = sqlite3.Row
        try:
            db.execute("PRAGMA busy_timeout = 30000")
            yield db
        finally:
            db.close()

    def _secret(self) -> str:
        """The key that signs cookies: made once, kept in this file (readable only by the portal's user)."""
        with self._db() as db:
            db.execute(_sql("keep_secret"), {"secret": security.new_token()})
            return db.execute(_sql("secret")).fetchone()[0]

    # --- accounts ------------------------------------------------------------------------------------
    def add_account(self, name: str, password: str, *, province: str | None) -> Account:
        if not name or not name.replace("_", "").replace("-", "").replace(".", "").isalnum() or len(name) > 64:
            raise AccountError(f"Tên tài khoản '{name}' không hợp lệ (chữ, số, _ - .) — invalid account name")
        if len(password) < 10:
            raise AccountError("Mật khẩu cần ít nhất 10 ký tự — the password needs at least 10 characters")
        with self._db() as db:
            try:
                db.execute(_sql("add_account"), {"name": name, "role": "province" if province else "office",
                                                 "province": province, "password_hash": security.hash_password(password),
                                                 "created_at": now_text()})
            except sqlite3.IntegrityError:
                raise AccountError(f"Đã có tài khoản '{name}' — the account '{name}' exists already") from None
        return self.account(name)

    def set_password(self, name: str, password: str) -> None:
        if len(password) < 10:
            raise AccountError("Mật khẩu cần ít nhất 10 ký tự — the password needs at least 10 characters")
        with self._db() as db:
            if not db.execute(_sql("set_password"), {"password_hash": security.hash_password(password),
                                                     "name": name}).rowcount:
                raise AccountError(f"Không có tài khoản '{name}' — no account '{name}'")
            db.execute(_sql("end_sessions_of"), {"name": name})

    def disable(self, name: str) -> None:
        with self._db() as db:
            if not db.execute(_sql("disable_account"), {"name": name}).rowcount:
                raise AccountError(f"Không có tài khoản '{name}' — no account '{name}'")
            db.execute(_sql("end_sessions_of"), {"name": name})

    def account(self, name: str) -> Account | None:
        with self._db() as db:
            row = db.execute(_sql("account"), {"name": name}).fetchone()
        return Account(**{**dict(row), "disabled": bool(row["disabled"])}) if row else None

    def accounts(self) -> list[Account]:
        with self._db() as db:
            rows = db.execute(_sql("accounts")).fetchall()
        return [Account(**{**dict(r), "disabled": bool(r["disabled"])}) for r in rows]

    # --- login throttling and sessions ----------------------------------------------------------------
    @staticmethod
    def throttle_keys(name: str, client: str | None) -> dict[str, int]:
        """The keys failures are counted under, each with the count that locks it."""
        return {f"name:{name.lower()}": LOCK_AFTER_FAILURES, f"addr:{client or '?'}": LOCK_AFTER_FAILURES_ADDRESS}

    def locked_for(self, keys: dict[str, int]) -> int:
        """Seconds until a login may be tried again for any of `keys` (0: not locked)."""
        since = time.time() - LOCK_WINDOW_SECONDS
        wait = 0
        with self._db() as db:
            for key, limit in keys.items():
                rows = db.execute(_sql("recent_failures"), {"key": key, "since": since}).fetchall()
                if len(rows) >= limit:
                    wait = max(wait, int(rows[0]["at"] + LOCK_WINDOW_SECONDS - time.time()) + 1)
        return wait

    def record_failure(self, keys: dict[str, int]) -> None:
        with self._db() as db:
            db.execute(_sql("forget_old_failures"), {"before": time.time() - LOCK_WINDOW_SECONDS})
            db.executemany(_sql("record_failure"), [{"key": k, "at": time.time()} for k in keys])

    def login(self, name: str, password: str) -> Account | None:
        """The account when the password is right and the account active (the hash is always computed)."""
        with self._db() as db:
            row = db.execute(_sql("login_of"), {"name": name}).fetchone()
        ok = security.verify_password(password, row["password_hash"] if row else None)
        if not ok or row["disabled"]:
            return None
        with self._db() as db:
            db.execute(_sql("logged_in"), {"at": now_text(), "name": name})
            db.execute(_sql("forget_failures"), {"key": f"name:{name.lower()}"})
        return self.account(name)

    def new_session(self, account: str) -> tuple[str, str]:
        """(cookie token, CSRF token) of a new session."""
        token, csrf = security.new_token(), security.new_token()
        with self._db() as db:
            db.execute(_sql("end_stale_sessions"), {"idle_since": time.time() - SESSION_IDLE_SECONDS,
                                                    "created_since": time.time() - SESSION_MAX_SECONDS})
            db.execute(_sql("new_session"), {"token_hash": security.token_hash(token), "account": account,
                                             "csrf": csrf, "at": time.time()})
        return token, csrf

    def session(self, token: str) -> tuple[Account, str] | None:
        """(account, CSRF token) of a live session of an active account."""
        with self._db() as db:
            row = db.execute(_sql("session"), {"token_hash": security.token_hash(token)}).fetchone()
            if row is None:
                return None
            now = time.time()
            if row["seen_at"] < now - SESSION_IDLE_SECONDS or row["created_at"] < now - SESSION_MAX_SECONDS:
                db.execute(_sql("end_session"), {"token_hash": security.token_hash(token)})
                return None
            db.execute(_sql("session_seen"), {"at": now, "token_hash": security.token_hash(token)})
        account = self.account(row["account"])
        return (account, row["csrf"]) if account and not account.disabled else None

    def end_session(self, token: str) -> None:
        with self._db() as db:
            db.execute(_sql("end_session"), {"token_hash": security.token_hash(token)})

    # --- uploads ----------------------------------------------------------------------------------------
    def add_upload(self, row: dict) -> None:
        with self._db() as db:
            db.execute(_sql("add_upload"), row)

    def upload(self, upload_id: str) -> dict | None:
        with self._db() as db:
            row = db.execute(_sql("upload"), {"upload_id": upload_id}).fetchone()
        return _upload(row) if row else None

    def uploads(self, *, province: str | None = None, submitted: bool | None = None, limit: int = 500) -> list[dict]:
        with self._db() as db:
            rows = db.execute(_sql("uploads"), {"province": province or None, "submitted": submitted,
                                                "limit": limit}).fetchall()
        return [_upload(r) for r in rows]

    def uploads_by_sha(self, shas: list[str]) -> dict[str, dict]:
        """The latest submitted upload of each fingerprint (who sent a warehouse submission through the portal)."""
        if not shas:
            return {}
        with self._db() as db:
            rows = db.execute(_sql("submitted_uploads_of"), {"shas": json.dumps(list(shas))}).fetchall()
        return {r["sha256"]: _upload(r) for r in rows}

    def mark_submitted(self, upload_id: str, account: str, inbox_path: str) -> bool:
        """Once only: a second click (or a replayed form) does not hand the file over twice."""
        with self._db() as db:
            return bool(db.execute(_sql("mark_submitted"), {"at": now_text(), "account": account,
                                                            "inbox_path": inbox_path, "upload_id": upload_id}).rowcount)

    def set_trigger_note(self, upload_id: str, note: str) -> None:
        with self._db() as db:
            db.execute(_sql("set_trigger_note"), {"note": note, "upload_id": upload_id})

    # --- audit ------------------------------------------------------------------------------------------
    def audit(self, action: str, *, account: str | None, client: str | None, **detail) -> None:
        """Who did what, when. Never given a password: callers pass names, ids, file names, counts."""
        with self._db() as db:
            db.execute(_sql("audit"), {"at": now_text(), "account": account, "client": client, "action": action,
                                       "detail": json.dumps(detail, ensure_ascii=False, default=str)})

    def audit_log(self, limit: int = 200) -> list[dict]:
        with self._db() as db:
            rows = db.execute(_sql("audit_log"), {"limit": limit}).fetchall()
        return [dict(r) for r in rows]


def _upload(row) -> dict:
    out = dict(row)
    out["result"] = json.loads(out.pop("result_json"))
    return out
