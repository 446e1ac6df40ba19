"""The portal's security, over real HTTP against the real server (`cotmoc web` under uvicorn on a loopback port):
who sees what (every route × anonymous / province A / province B / office), CSRF on every form, login
throttling, cookies, escaping, and every hostile file the ingest refuses refused cleanly at upload with the
ingest's own message. The server runs with small limits (COTMOC_MAX_FILE_MB=1) so "too large" is quick."""
from __future__ import annotations

import html
import io
import re
import sqlite3
from pathlib import Path

import openpyxl
import pytest

from cotmoc.core.messages import problem
from cotmoc.samples import broken_files, faulty, hostile
from tests.portal_support import PASSWORDS, SAMPLES, Client, make_home, portal_server

pytestmark = pytest.mark.slow
LIMITS = {"COTMOC_MAX_FILE_MB": "1", "COTMOC_MAX_UNCOMPRESSED_MB": "20"}


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    home = make_home(tmp_path_factory.mktemp("portal-security"))
    with portal_server(home, LIMITS) as base:
        a, b = Client(base), Client(base)
        a.login("dien_bien")
        b.login("lai_chau")
        status, headers, _ = a.upload("dien_bien", "loi.xlsx", (SAMPLES / "faulty" / "loi_so_nguoi_dien_bien_2016.xlsx")
                                      .read_bytes())
        a_upload = headers["location"].rsplit("/", 1)[-1]
        status, headers, _ = b.upload("lai_chau", "loi.xlsx", (SAMPLES / "faulty" / "loi_vuot_chieu_dai_lai_chau_2019"
                                                                                    ".xlsx").read_bytes())
        b_upload = headers["location"].rsplit("/", 1)[-1]
        import duckdb
        con = duckdb.connect(str(home / "warehouse" / "cotmoc.published.duckdb"), read_only=True)
        ids = dict(con.execute("SELECT province_code, submission_id FROM submissions WHERE status = 'rejected'").fetchall())
        con.close()
        yield {"home": home, "base": base, "a": a, "b": b, "a_upload": a_upload, "b_upload": b_upload,
               "a_sub": ids["dien_bien"], "b_sub": ids["lai_chau"]}


def _client(site, who: str) -> Client:
    if who == "anonymous":
        return Client(site["base"])
    if who in ("a", "b"):
        return site[who]
    office = Client(site["base"])
    office.login("van_phong")
    return office


def _matrix(site):
    """(method, path, {who: expected status}) for every route; A = Điện Biên, B = Lai Châu."""
    A, B = "/tinh/dien_bien", "/tinh/lai_chau"
    au, bu, asub, bsub = site["a_upload"], site["b_upload"], site["a_sub"], site["b_sub"]
    own_a = {"anonymous": 303, "a": 200, "b": 404, "office": 200}
    office = {"anonymous": 303, "a": 404, "b": 404, "office": 200}
    nobody = {"anonymous": 303, "a": 404, "b": 404, "office": 404}
    return [
        ("GET", "/", {"anonymous": 303, "a": 303, "b": 303, "office": 303}),
        ("GET", "/dang-nhap", {"anonymous": 200, "a": 303, "b": 303, "office": 303}),
        ("GET", "/static/portal.css", {"anonymous": 200, "a": 200, "b": 200, "office": 200}),
        ("GET", A, own_a),
        ("GET", A + "/kiem-tra", own_a),
        ("GET", A + "/lich-su", own_a),
        ("GET", A + "/mau/dien_bien/2016.xlsx", own_a),
        ("GET", A + f"/lan-gui/{au}", own_a),
        ("GET", A + f"/lan-gui/{au}/ban-chu-thich.xlsx", own_a),
        ("GET", A + f"/ho-so/{asub}/loi.xlsx", own_a),
        # another province's id or file under one's own (or any) province: never found
        ("GET", B + f"/lan-gui/{au}", nobody),
        ("GET", A + f"/lan-gui/{bu}", nobody),
        ("GET", B + f"/lan-gui/{au}/ban-chu-thich.xlsx", nobody),
        ("GET", B + f"/ho-so/{asub}/loi.xlsx", nobody),
        ("GET", A + f"/ho-so/{bsub}/loi.xlsx", nobody),
        ("GET", B + "/mau/dien_bien/2016.xlsx", nobody),
        ("GET", A + "/lan-gui/khong-co-dau-ca", nobody),
        ("GET", "/tinh/khong_co_tinh", nobody),
        ("GET", "/tinh/kon_tum", nobody),               # merged away in 2025: its reports are Quảng Ngãi's
        ("POST", A + "/kiem-tra", {"anonymous": 303, "a": 403, "b": 404, "office": 403}),   # no CSRF token: refused
        ("POST", A + f"/lan-gui/{au}/gui", {"anonymous": 303, "a": 403, "b": 404, "office": 403}),
        ("POST", "/dang-xuat", {"anonymous": 303, "a": 403, "b": 403, "office": 403}),
        ("POST", "/dang-nhap", {"anonymous": 403, "a": 403, "b": 403, "office": 403}),
        ("GET", "/van-phong", office),
        ("GET", "/van-phong?ky=2016&ky=2019", office),
        ("GET", f"/van-phong/ho-so/{asub}", office),
        ("GET", f"/van-phong/ho-so/{asub}/loi.xlsx", office),
        ("GET", "/van-phong/toan-quoc/2018", office),
        ("GET", "/van-phong/toan-quoc/2018/bao-cao.xlsx", office),
        ("GET", "/van-phong/nhat-ky", office),
        # approval: a steward's POST is refused (403), as is one without its CSRF token
        ("POST", "/van-phong/duyet", {"anonymous": 303, "a": 403, "b": 403, "office": 403}),
        ("POST", "/van-phong/mo-khoa", {"anonymous": 303, "a": 403, "b": 403, "office": 403}),
        ("GET", "/van-phong/ho-so/999999", nobody),
        ("GET", "/van-phong/toan-quoc/2099/bao-cao.xlsx", nobody),
    ]


def test_every_route_for_anonymous_two_provinces_and_the_office(site):
    from cotmoc.core.config import load_settings
    from cotmoc.portal.app import create_app
    matrix = _matrix(site)
    # the matrix covers every route the app has
    app = create_app(load_settings(site["home"], environ={}))
    from starlette.routing import Mount
    tried = {p.split("?")[0] for _, p, _ in matrix}
    patterns = {r.path: re.compile("^" + re.sub(r"\{[^}]+\}", "[^/]+", re.escape(r.path).replace(r"\{", "{")
                                                .replace(r"\}", "}")) + ("/.+" if isinstance(r, Mount) else "") + "$")
                for r in app.routes}
    uncovered = [t for t, pat in patterns.items() if not any(pat.match(p) for p in tried)]
    assert not uncovered, f"routes missing from the matrix: {uncovered}"
    for who in ("anonymous", "a", "b", "office"):
        client = _client(site, who)
        for method, path, expected in matrix:
            status, headers, body = client.request(method, path, data=b"" if method == "POST" else None)
            assert status == expected[who], f"{who} {method} {path}: {status}, expected {expected[who]}"
            if status == 303 and who == "anonymous":
                assert headers["location"] in ("/dang-nhap",), (path, headers["location"])
            if status == 404:
                assert "Không tìm thấy" in body.decode()


def test_a_404_says_nothing_about_whether_the_thing_exists(site):
    a = site["a"]
    other = a.get(f"/tinh/dien_bien/lan-gui/{site['b_upload']}")
    never = a.get("/tinh/dien_bien/lan-gui/AAAAAAAAAAAAAAAA")
    assert other[0] == never[0] == 404 and other[2] == never[2]


def test_csrf_tokens_are_required_and_bound_to_the_session(site):
    a, b = site["a"], site["b"]
    inbox = site["home"] / "inputs" / "inbox"
    content = (SAMPLES / "seed" / "dien_bien_2016.xlsx").read_bytes()
    assert a.upload("dien_bien", "x.xlsx", content, token="wrong")[0] == 403
    b_token = b.csrf("/tinh/lai_chau/kiem-tra")
    assert a.upload("dien_bien", "x.xlsx", content, token=b_token)[0] == 403          # another session's token
    status, headers, _ = a.upload("dien_bien", "dien_bien_2016.xlsx", content)
    assert status == 303
    page = headers["location"]
    assert a.post(page + "/gui", {"csrf": b_token})[0] == 403
    assert a.post(page + "/gui", {})[0] == 403
    assert not list(inbox.rglob("*.xlsx")), "a refused form handed a file over"
    assert a.get("/tinh/dien_bien")[0] == 200                                           # still signed in
    # a login form posted from elsewhere (no pre-session cookie) is refused
    assert Client(site["base"]).post("/dang-nhap", {"csrf": "x", "name": "dien_bien",
                                                    "password": PASSWORDS["dien_bien"]})[0] == 403


def test_repeated_failed_logins_lock_the_account_for_a_while(site):
    import subprocess
    from tests.portal_support import COTMOC, cotmoc_env
    secret = site["home"] / ".khoa.pw"
    secret.write_text("the-right-one-42\n", encoding="utf-8")
    subprocess.run([COTMOC, "users", "add", "thu_khoa", "--province", "son_la", "--password-file", str(secret)],
                   env=cotmoc_env(site["home"]), check=True, capture_output=True, stdin=subprocess.DEVNULL)
    secret.unlink()
    thief = Client(site["base"])
    for _ in range(5):
        assert thief.login("thu_khoa", "not-the-password")[0] == 401
    status, _, body = thief.login("thu_khoa", "the-right-one-42")      # the right password, but locked now
    assert status == 429 and "tạm khoá" in body.decode()
    assert Client(site["base"]).login("dien_bien")[0] == 303           # another account from the same address
    db = (site["home"] / "warehouse" / "portal.sqlite").read_bytes()
    log = b"".join(p.read_bytes() for p in site["home"].glob("web-*.log"))
    for password in [*PASSWORDS.values(), "not-the-password", "the-right-one-42"]:
        assert password.encode() not in db and password.encode() not in log
    con = sqlite3.connect(site["home"] / "warehouse" / "portal.sqlite")
    actions = [r[0] for r in con.execute("SELECT action FROM audit WHERE detail LIKE '%thu_khoa%'")]
    con.close()
    assert actions.count("login_failed") == 5 and "login_locked" in actions


def test_cookies_are_httponly_samesite_and_secure_behind_tls(site):
    client = Client(site["base"])
    token = client.csrf("/dang-nhap")
    status, headers, _ = client.request(
        "POST", "/dang-nhap", data=f"csrf={token}&name=dien_bien&password={PASSWORDS['dien_bien']}".encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded", "X-Forwarded-Proto": "https"})
    cookie = headers["set-cookie"].lower() if "set-cookie" in headers else headers["Set-Cookie"].lower()
    assert status == 303 and "cotmoc_session=" in cookie
    assert "httponly" in cookie and "samesite=lax" in cookie and "secure" in cookie
    assert "max-age" in {k.lower(): v for k, v in headers.items()}["strict-transport-security"]
    plain = Client(site["base"])
    plain.login("dien_bien")
    assert all(not c.secure for c in plain.jar)
    _, headers, _ = plain.get("/tinh/dien_bien")
    assert "strict-transport-security" not in {k.lower() for k in headers}
    assert "script-src" not in headers["content-security-policy"] and "default-src 'none'" in headers[
        "content-security-policy"]


def test_a_report_of_another_province_is_refused_at_upload(site):
    a = site["a"]
    status, _, body = a.upload("dien_bien", "kon_tum_2023.xlsx", (SAMPLES / "seed" / "kon_tum_2023.xlsx").read_bytes())
    text = body.decode()
    assert status == 422 and "Kon Tum" in text and "chỉ gửi được báo cáo của tỉnh Điện Biên" in text


def _check(path: Path):
    from cotmoc.core.config import load_settings
    from cotmoc.pipeline.checking import check_file
    return check_file(path, load_settings(path.parent, environ={"COTMOC_MAX_FILE_MB": "1",
                                                               "COTMOC_MAX_UNCOMPRESSED_MB": "20"}))


HOSTILE = {
    "not_a_workbook": broken_files.not_a_workbook, "truncated_zip": broken_files.truncated_zip,
    "password_protected": broken_files.password_protected, "empty_workbook": broken_files.empty_workbook,
    "zip_bomb": broken_files.zip_bomb, "xml_entity_bomb": broken_files.xml_entity_bomb,
}


@pytest.mark.parametrize("kind", sorted(HOSTILE))
def test_each_hostile_file_is_refused_cleanly_with_the_ingests_message(site, tmp_path, kind):
    path = HOSTILE[kind](tmp_path / f"{kind}.xlsx")
    expected = [p for p in _check(path).problems if p.is_error]
    assert expected, f"the ingest accepts {kind}?"
    a = site["a"]
    status, headers, _ = a.upload("dien_bien", path.name, path.read_bytes())
    assert status == 303, status
    status, _, body = a.get(headers["location"])
    page = body.decode()
    assert status == 200 and "lỗi" in page and 'id="submit"' not in page
    assert f'<code class="rule">{expected[0].rule}</code>' in page
    annotated = a.get(headers["location"] + "/ban-chu-thich.xlsx")
    assert annotated[0] == 200 and openpyxl.load_workbook(io.BytesIO(annotated[2])).sheetnames[0] == "Loi"


def test_other_file_types_and_names_are_never_paths(site):
    a = site["a"]
    status, headers, _ = a.upload("dien_bien", "../../../etc/bao cao.pdf", b"%PDF-1.4 not a workbook")
    assert status == 303
    page = a.get(headers["location"])[2].decode()
    said = problem("file.not_workbook")          # the catalogue's one text for the rule, escaped as the page shows it
    assert '<code class="rule">file.not_workbook</code>' in page and html.escape(said.message_vi) in page
    files = [p.relative_to(site["home"]) for p in (site["home"] / "warehouse" / "portal_files").rglob("*") if p.is_file()]
    assert all(".." not in p.parts and re.fullmatch(r"[a-z0-9_]+__[A-Za-z0-9_-]+\.[a-z0-9]+", p.name) for p in files
               if not p.name.endswith(".loi.xlsx")), files
    assert not (site["home"].parent / "etc").exists()


def _raw_post(site, path: str, headers: dict, body: bytes = b"") -> tuple[int, str]:
    """A POST on a bare socket (so an early answer can be read before the body is all sent)."""
    import socket
    from urllib.parse import urlparse
    url = urlparse(site["base"])
    cookies = "; ".join(f"{c.name}={c.value}" for c in site["a"].jar)
    head = "".join(f"{k}: {v}\r\n" for k, v in {"Host": url.netloc, "Cookie": cookies, **headers}.items())
    with socket.create_connection((url.hostname, url.port), timeout=30) as sock:
        sock.sendall(f"POST {path} HTTP/1.1\r\n{head}\r\n".encode())
        try:
            sock.sendall(body)
        except (BrokenPipeError, ConnectionResetError):
            pass
        data = b""
        while b"\r\n\r\n" not in data and (chunk := sock.recv(65536)):
            data += chunk
        head, _, rest = data.partition(b"\r\n\r\n")
        length = int(re.search(rb"content-length: (\d+)", head, re.I).group(1))
        while len(rest) < length and (chunk := sock.recv(65536)):
            rest += chunk
    return int(head.split(b" ", 2)[1]), rest.decode("utf-8", "replace")


def test_too_large_is_refused_at_the_ingests_limit(site):
    a = site["a"]
    form = "multipart/form-data; boundary=x"
    # announced past the limit and the form's margin: refused before a byte of it is read, with the limit said
    status, text = _raw_post(site, "/tinh/dien_bien/kiem-tra", {"Content-Type": form, "Content-Length": str(3 << 20)})
    assert status == 413 and "File quá lớn" in text and "1 MB" in text
    # sent without announcing its length: refused as soon as it passes the limit
    token = a.csrf("/tinh/dien_bien/kiem-tra")
    start = (f'--x\r\nContent-Disposition: form-data; name="csrf"\r\n\r\n{token}\r\n--x\r\nContent-Disposition: '
             f'form-data; name="file"; filename="big.xlsx"\r\n\r\n').encode()
    chunk = b"\0" * (256 * 1024)
    chunked = b"".join(b"%x\r\n%s\r\n" % (len(c), c) for c in [start] + [chunk] * 5) + b"0\r\n\r\n"
    status, text = _raw_post(site, "/tinh/dien_bien/kiem-tra", {"Content-Type": form, "Transfer-Encoding": "chunked"},
                             chunked)
    assert status == 413 and "File quá lớn" in text
    # just past the limit: the ingest's own check says it (file.too_large)
    status, headers, _ = a.upload("dien_bien", "big.xlsx", b"PK" + b"\0" * (1024 * 1024 + 10))
    assert status == 303
    assert "File quá lớn" in a.get(headers["location"])[2].decode()


def test_output_is_escaped(site):
    a = site["a"]
    name = '<img src=x onerror="alert(1)">.xlsx'
    status, headers, _ = a.upload("dien_bien", name, b"not a workbook")
    page = a.get(headers["location"])[2].decode()
    assert "<img src=x" not in page and "&lt;img src=x" in page


def test_warnings_need_an_explicit_confirmation_and_a_file_is_sent_once(site, tmp_path):
    a = site["a"]
    path = tmp_path / "dien_bien_2016_sua.xlsx"
    faulty.repairable_text(path)
    status, headers, _ = a.upload("dien_bien", path.name, path.read_bytes())
    page_url = headers["location"]
    page = a.get(page_url)[2].decode()
    assert "Không có lỗi" in page and 'name="confirm"' in page
    token = a.csrf(page_url)
    status, _, body = a.post(page_url + "/gui", {"csrf": token})
    assert status == 409 and "xác nhận" in body.decode()
    inbox = site["home"] / "inputs" / "inbox" / "dien_bien"
    assert not inbox.exists() or not list(inbox.iterdir())
    assert a.post(page_url + "/gui", {"csrf": token, "confirm": "yes"})[0] == 303
    assert a.post(page_url + "/gui", {"csrf": token, "confirm": "yes"})[0] == 303     # a second click
    sent = list(inbox.iterdir())
    assert len(sent) == 1 and sent[0].read_bytes() == path.read_bytes()
    assert "đang chờ nhận" in a.get(page_url)[2].decode()
    sent[0].unlink()


def test_bytes_the_warehouse_already_has_are_not_sent_again(site):
    office = _client(site, "office")
    status, headers, _ = office.upload("quang_ninh", "qn.xlsx", (SAMPLES / "seed" / "quang_ninh_2018.xlsx").read_bytes())
    page = office.get(headers["location"])[2].decode()
    assert 'id="known"' in page and 'id="submit"' not in page
    assert office.post(headers["location"] + "/gui", {"csrf": office.csrf(headers["location"])})[0] == 409
    assert not (site["home"] / "inputs" / "inbox" / "quang_ninh").exists()


def test_downloads_of_a_workbook_with_formulas_hold_none(site, tmp_path):
    from cotmoc.samples.generator import generate_report
    report = generate_report("dien_bien", "2019", seed=2)
    report.segments[0]["persons"] = "=J4*2"
    report.teams[0]["note"] = '=HYPERLINK("http://example.invalid","bấm vào đây")'
    path = report.write(tmp_path / "cong_thuc.xlsx")
    a = site["a"]
    status, headers, _ = a.upload("dien_bien", path.name, path.read_bytes())
    status, _, data = a.get(headers["location"] + "/ban-chu-thich.xlsx")
    wb = openpyxl.load_workbook(io.BytesIO(data))
    assert not [c for ws in wb for row in ws.iter_rows() for c in row if c.data_type == "f"]


def test_audit_log_records_who_did_what(site):
    con = sqlite3.connect(site["home"] / "warehouse" / "portal.sqlite")
    rows = con.execute("SELECT account, action FROM audit").fetchall()
    con.close()
    actions = {(acc, act) for acc, act in rows}
    for needed in [("dien_bien", "login"), ("dien_bien", "upload"), ("dien_bien", "check"), ("dien_bien", "download"),
                   ("dien_bien", "refused"), ("dien_bien", "submit"), ("van_phong", "login")]:
        assert needed in actions, needed
    office = _client(site, "office")
    page = office.get("/van-phong/nhat-ky")[2].decode()
    assert "login_failed" in page and "submit" in page


CATALOGUE = [k for k in hostile.CATALOGUE if k.outcome == "rejected" and not k.copying]


@pytest.mark.parametrize("kind", CATALOGUE, ids=[k.name for k in CATALOGUE])
def test_every_kind_the_ingest_rejects_is_refused_at_upload_with_its_rule(site, tmp_path, kind):
    """The whole hostile-input catalogue (cotmoc/samples/hostile.py), sent by the office for Cao Bằng (the
    province the hostile files are made from): the verdict names the rule the ingest gives, nothing is sent."""
    office = site.setdefault("office", _client(site, "office"))
    path = kind.build(tmp_path / kind.file_name)
    status, headers, body = office.upload("cao_bang", kind.file_name, path.read_bytes())
    assert status == 303, (status, body[:300])
    status, _, body = office.get(headers["location"])
    page = body.decode()
    assert status == 200 and f'<code class="rule">{kind.rule}</code>' in page and 'id="submit"' not in page, kind.name


def test_a_problem_of_a_row_shows_its_row_on_the_check_page(site, tmp_path):
    """A problem the check places on a row, not a cell (a column code given twice): the problem table's
    "Ô / Cell" column names the row in Vietnamese and in English, where it used to show a dash."""
    office = site.setdefault("office", _client(site, "office"))
    path = faulty.duplicated_column(tmp_path / "cao_bang_2019.xlsx").path
    row = next(p.row for p in _check(path).problems if p.rule == "column.duplicated")
    status, headers, _ = office.upload("cao_bang", path.name, path.read_bytes())
    assert status == 303
    page = office.get(headers["location"])[2].decode()
    assert f'<td class="cell">dòng {row}<br><small>row {row}</small></td>' in page
