"""Passwords, signed cookies and CSRF tokens, with the standard library only.

- Passwords: scrypt (memory-hard: n=2**14, r=8 takes 16 MiB and ~50 ms a try), a random salt each; the
  stored form is `scrypt$n$r$p$salt$hash` so the cost can be raised later without breaking old hashes.
- Session cookies: `token.signature`, HMAC-SHA256 under the portal's secret key; the server keeps only the
  SHA-256 of the token (store.py), so neither a forged cookie nor a copy of the database opens a session.
- CSRF: every form carries a token; a signed-in form's token belongs to its session, the login form's to
  a signed pre-session cookie (double submit). Compared in constant time.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

SCRYPT_N, SCRYPT_R, SCRYPT_P = 2 ** 14, 8, 1
_DKLEN = 32


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P, dklen=_DKLEN)
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${_b64(salt)}${_b64(digest)}"


def verify_password(password: str, stored: str | None) -> bool:
    """True when `password` matches; an unknown account (`stored` None) costs the same time."""
    try:
        kind, n, r, p, salt, digest = (stored or "").split("$")
        if kind != "scrypt":
            raise ValueError
        params, salt_b, want = (int(n), int(r), int(p)), _unb64(salt), _unb64(digest)
    except ValueError:
        params, salt_b, want = (SCRYPT_N, SCRYPT_R, SCRYPT_P), b"\0" * 16, b""
    got = hashlib.scrypt(password.encode(), salt=salt_b, n=params[0], r=params[1], p=params[2],
                         maxmem=128 * params[0] * params[1] * 2 + 1024 * 1024, dklen=_DKLEN)
    return bool(want) and hmac.compare_digest(got, want)


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def sign(secret: str, value: str) -> str:
    mac = hmac.new(secret.encode(), value.encode(), hashlib.sha256).digest()
    return f"{value}.{_b64(mac)}"


def unsign(secret: str, signed: str | None) -> str | None:
    """The value of a cookie we signed, or None for anything else (tampered, truncated, absent)."""
    if not signed or "." not in signed:
        return None
    value, _, _mac = signed.rpartition(".")
    return value if hmac.compare_digest(sign(secret, value), signed) else None


def same(a: str | None, b: str | None) -> bool:
    return bool(a) and bool(b) and hmac.compare_digest(a.encode(), b.encode())
