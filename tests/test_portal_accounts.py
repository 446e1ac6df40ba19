"""`cotmoc users …` (the real command, no terminal) and the portal's own state: memory-hard password hashes,
sessions that end when an account is disabled, server-chosen upload names, the hand-over into the inbox."""
from __future__ import annotations

import sqlite3
import subprocess

from cotmoc.portal import security
from cotmoc.portal.store import Store
from tests.portal_support import COTMOC, cotmoc_env


def _run(home, *args, stdin=subprocess.DEVNULL):
    return subprocess.run([COTMOC, "users", *args], env=cotmoc_env(home), cwd=home, capture_output=True,
                          text=True, stdin=stdin)


def test_users_add_list_disable_and_demo(tmp_path):
    secret = tmp_path / "pw.txt"
    secret.write_text("a-long-password-1\n", encoding="utf-8")
    assert _run(tmp_path, "add", "lc_steward", "--province", "Lai Châu", "--password-file", str(secret)).returncode == 0
    assert _run(tmp_path, "add", "office1", "--office", "--password-file", str(secret)).returncode == 0
    again = _run(tmp_path, "add", "office1", "--office", "--password-file", str(secret))
    assert again.returncode == 2 and "đã có" in again.stderr.lower()
    merged = _run(tmp_path, "add", "kt", "--province", "kon_tum", "--password-file", str(secret))
    assert merged.returncode == 2 and "quang_ngai" in merged.stderr
    assert _run(tmp_path, "add", "x", "--province", "atlantis", "--password-file", str(secret)).returncode == 2
    no_tty = _run(tmp_path, "add", "y", "--office")
    assert no_tty.returncode == 2 and "--password-file" in no_tty.stderr
    listed = _run(tmp_path, "list").stdout
    assert "lc_steward" in listed and "Lai Châu" in listed and "office1" in listed
    assert _run(tmp_path, "disable", "lc_steward").returncode == 0
    assert "disabled" in _run(tmp_path, "list").stdout
    demo = _run(tmp_path, "demo")
    assert demo.returncode == 0 and "van_phong" in demo.stdout and "dien_bien" in demo.stdout
    password = demo.stdout.split("dien_bien")[1].split()[0]
    store = Store(tmp_path / "warehouse" / "portal.sqlite")
    assert store.login("dien_bien", password) is not None
    # the file holds hashes, never the passwords
    raw = (tmp_path / "warehouse" / "portal.sqlite").read_bytes()
    assert b"a-long-password-1" not in raw and password.encode() not in raw


def test_passwords_are_scrypt_hashed_and_a_disabled_account_loses_its_sessions(tmp_path):
    store = Store(tmp_path / "portal.sqlite")
    store.add_account("s", "correct horse battery", province="son_la")
    stored = sqlite3.connect(tmp_path / "portal.sqlite").execute("SELECT password_hash FROM accounts").fetchone()[0]
    assert stored.startswith(f"scrypt${security.SCRYPT_N}$") and "correct" not in stored
    assert store.login("s", "wrong password!") is None and store.login("nobody", "correct horse battery") is None
    assert store.login("s", "correct horse battery").province == "son_la"
    token, csrf = store.new_session("s")
    assert store.session(token)[1] == csrf
    assert store.session(token + "x") is None
    store.disable("s")
    assert store.session(token) is None and store.login("s", "correct horse battery") is None
    signed = security.sign(store.secret, token)
    assert security.unsign(store.secret, signed) == token
    assert security.unsign(store.secret, signed[:-1] + ("A" if signed[-1] != "A" else "B")) is None
    assert security.unsign("another key", signed) is None


def test_uploaded_names_become_server_names(tmp_path):
    from cotmoc.portal.pages import _stored_name
    assert _stored_name("Báo cáo Điện Biên 2016.xlsx", "abcdefghijkl") == "bao_cao_dien_bien_2016__abcdefghij.xlsx"
    assert _stored_name("../../etc/passwd", "abcdefghijkl") == "passwd__abcdefghij.bin"
    assert _stored_name("C:\\Users\\x\\..\\r.XLSM", "abcdefghijkl") == "r__abcdefghij.xlsm"
    assert _stored_name("<script>.xlsx", "abcdefghijkl") == "script__abcdefghij.xlsx"
    assert _stored_name("....", "abcdefghijkl").startswith("bao_cao__")


def test_hand_over_is_atomic_and_the_ingest_sees_only_whole_files(tmp_path):
    from cotmoc.core.config import load_settings
    from cotmoc.pipeline.inbox import discover
    from cotmoc.portal import library
    settings = load_settings(tmp_path, environ={})
    src = tmp_path / "src.xlsx"
    src.write_bytes(b"x" * 3_000_000)
    target = library.hand_to_inbox(src, settings, "dien_bien", "bao_cao__abc.xlsx")
    assert target == settings.inbox / "dien_bien" / "bao_cao__abc.xlsx" and target.read_bytes() == src.read_bytes()
    assert discover(settings.inbox) == [target]
    assert [p.name for p in target.parent.iterdir()] == ["bao_cao__abc.xlsx"]          # no temporary file left


def test_the_portal_works_before_the_first_ingest(tmp_path):
    """No warehouse, no published copy yet: every page answers, periods are 'missing', a check still works."""
    from tests.portal_support import SAMPLES, Client, portal_server
    store = Store(tmp_path / "warehouse" / "portal.sqlite")
    store.add_account("van_phong", "office-pass-123", province=None)
    store.add_account("dien_bien", "dien-bien-pass-1", province="dien_bien")
    with portal_server(tmp_path) as base:
        office, steward = Client(base), Client(base)
        assert office.login("van_phong")[0] == steward.login("dien_bien")[0] == 303
        status, _, body = office.get("/van-phong")
        assert status == 200 and "Chưa có bản công bố" in body.decode() and "quá hạn" in body.decode()
        for path in ("/van-phong/toan-quoc/2016", "/van-phong/nhat-ky"):
            assert office.get(path)[0] == 200
        for path in ("/tinh/dien_bien", "/tinh/dien_bien?tat-ca=1", "/tinh/dien_bien/lich-su"):
            assert steward.get(path)[0] == 200
        status, headers, _ = steward.upload("dien_bien", "db.xlsx", (SAMPLES / "seed" / "dien_bien_2016.xlsx").read_bytes())
        assert status == 303 and "Không có lỗi" in steward.get(headers["location"])[2].decode()
    assert not (tmp_path / "warehouse" / "cotmoc.duckdb").exists()          # checking wrote no warehouse
