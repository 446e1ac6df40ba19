"""Period approval from the portal's office page, over real HTTP against the real server (`cotmoc web`): the
office approves and unlocks through the same functions as `cotmoc approve` / `cotmoc unlock` (the trail names
the office account); a steward's POST is refused with 403; while another writer holds the warehouse lock
nothing is done, the office is told so (Vietnamese first) and its form comes back as typed; a submission the
page showed that is no longer current is not approved; the published copy shows each step at once."""
from __future__ import annotations

import re
import threading

import duckdb
import pytest

from cotmoc.core.config import load_settings
from cotmoc.pipeline.locking import ingest_lock
from tests.portal_support import Client, make_home, portal_server

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    home = make_home(tmp_path_factory.mktemp("portal-approval"), skip=())
    with portal_server(home) as base:
        office, steward = Client(base), Client(base)
        office.login("van_phong")
        steward.login("dien_bien")
        yield {"home": home, "settings": load_settings(home, environ={}), "office": office, "steward": steward}


def _events(settings) -> list[tuple]:
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        return con.execute("SELECT action, province_code, period, submission_id, actor, reason FROM approval_events "
                           "ORDER BY event_id").fetchall()


def _current(settings, province="dien_bien", period="2016") -> int:
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        return con.execute("SELECT submission_id FROM stg_current_submissions WHERE reporting_province_code = ? "
                           "AND period = ?", [province, period]).fetchone()[0]


def _text(body: bytes) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body.decode()))


def test_a_steward_cannot_approve_or_unlock(site):
    steward, settings = site["steward"], site["settings"]
    token = steward.csrf("/tinh/dien_bien")
    sub = _current(settings)
    status, _, body = steward.post("/van-phong/duyet?ky=2016", {"csrf": token, "period": "2016",
                                                                "submissions": str(sub), "note": "x"})
    assert status == 403 and "Chỉ tài khoản văn phòng" in body.decode()
    status, _, _ = steward.post("/van-phong/mo-khoa?ky=2016", {"csrf": token, "period": "2016",
                                                               "province": "dien_bien", "reason": "x"})
    assert status == 403
    assert _events(settings) == []


def test_the_office_approves_and_unlocks_and_the_pages_show_it_at_once(site):
    office, steward, settings = site["office"], site["steward"], site["settings"]
    sub = _current(settings)
    page = office.get("/van-phong?ky=2016")[2].decode()
    assert 'id="approve-2016-dien_bien"' in page and f'value="{sub}"' in page
    token = office.csrf("/van-phong?ky=2016")

    # an unlock needs a reason; a period not approved cannot be unlocked: said, nothing done
    status, _, body = office.post("/van-phong/mo-khoa?ky=2016", {"csrf": token, "period": "2016",
                                                                 "province": "dien_bien", "reason": ""})
    assert status == 409 and "Cần ghi lý do mở khóa" in _text(body)

    # a submission that is no longer current (the page was older than the warehouse) is not approved
    status, _, body = office.post("/van-phong/duyet?ky=2016", {"csrf": token, "period": "2016",
                                                               "submissions": str(sub + 1000), "note": ""})
    assert status == 409 and "không còn là báo cáo đạt hiện hành" in _text(body)
    assert _events(settings) == []

    status, _, body = office.post("/van-phong/duyet?ky=2016", {"csrf": token, "period": "2016",
                                                               "submissions": str(sub), "note": "Gửi Bộ 05/02"})
    text = _text(body)
    assert status == 200 and "Đã duyệt và khóa Điện Biên 2016" in text, text[:2000]
    assert _events(settings) == [("approve", "dien_bien", "2016", sub, "van_phong", "Gửi Bộ 05/02")]
    assert 'id="unlock-2016-dien_bien"' in body.decode()          # the published copy already says so
    home = _text(steward.get("/tinh/dien_bien?tat-ca=1")[2])
    assert "Kỳ này đã được văn phòng duyệt và khóa" in home and "van_phong" in home
    assert "GIỮ LẠI" in home and "HELD" in home
    history = _text(steward.get("/tinh/dien_bien/lich-su")[2])
    assert "đã duyệt, khóa" in history

    status, _, body = office.post("/van-phong/mo-khoa?ky=2016", {"csrf": token, "period": "2016",
                                                                 "province": "dien_bien", "reason": "Tỉnh sửa số"})
    assert status == 200 and "Đã mở khóa Điện Biên 2016" in _text(body)
    assert _events(settings)[-1] == ("unlock", "dien_bien", "2016", sub, "van_phong", "Tỉnh sửa số")
    home = _text(steward.get("/tinh/dien_bien?tat-ca=1")[2])
    assert "mở khóa" in home and "Tỉnh sửa số" in home and "đã thay đổi sau khi duyệt" in home


def test_while_the_warehouse_is_busy_nothing_is_done_and_the_form_comes_back(site):
    office, settings = site["office"], site["settings"]
    token = office.csrf("/van-phong?ky=2018")
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        sub, code = con.execute("SELECT submission_id, reporting_province_code FROM stg_current_submissions "
                                "WHERE period = '2018'").fetchone()
    before = _events(settings)
    held, release = threading.Event(), threading.Event()

    def ingest_running():                        # another writer: what an ingest holds for its whole run
        with ingest_lock(settings.warehouse):
            held.set()
            release.wait(60)
    writer = threading.Thread(target=ingest_running)
    writer.start()
    try:
        assert held.wait(10)
        status, headers, body = office.post("/van-phong/duyet?ky=2018", {
            "csrf": token, "period": "2018", "submissions": str(sub), "note": "Ghi chú giữ nguyên", "form": f"2018-{code}"})
    finally:
        release.set()
        writer.join()
    text = _text(body)
    assert status == 503, text[:2000]
    assert text.index("Kho dữ liệu đang bận nên CHƯA làm gì") < text.index("The warehouse is busy, so NOTHING was done")
    assert "ingest" in text                                       # who holds it
    form = re.search(rf'<form[^>]*id="approve-2018-{code}".*?</form>', body.decode(), re.S).group(0)
    assert 'value="Ghi chú giữ nguyên"' in form                   # the form, as typed
    assert _events(settings) == before
    # once the warehouse is free, the same form goes through
    status, _, body = office.post("/van-phong/duyet?ky=2018", {"csrf": token, "period": "2018",
                                                               "submissions": str(sub), "note": "Ghi chú giữ nguyên"})
    assert status == 200 and "Đã duyệt và khóa" in _text(body)
    assert _events(settings)[-1][0] == "approve" and _events(settings)[-1][3] == sub
