"""The portal as a steward and the office use it, in a REAL browser: Debian's chromium driven by selenium through
Debian's chromedriver (no browser download), against the real server (`cotmoc web`) on a loopback port.

A steward logs in, downloads the pre-filled template, uploads a faulty sample and sees its errors with their
cells, downloads the annotated copy, uploads the fixed report, submits it, and sees it loaded after the ingest
(the plain ingest and the rollup, as the office's scheduled runs do); the office sees it in the matrix and the
national figures. Screenshots go to $COTMOC_PORTAL_SCREENSHOTS (docs/img/ for the docs) or the test's folder."""
from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import openpyxl
import pytest

from tests.portal_support import PASSWORDS, SAMPLES, ingest_and_publish, make_home, portal_server

CHROMIUM, CHROMEDRIVER = Path("/usr/bin/chromium"), Path("/usr/bin/chromedriver")
pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not (CHROMIUM.exists() and CHROMEDRIVER.exists()),
                                 reason="Debian's chromium and chromium-driver are not installed (.ci/run installs them)")]


@pytest.fixture()
def browser(tmp_path):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
                 f"--user-data-dir={tmp_path / 'profile'}", "--window-size=1280,900", "--lang=vi"):
        options.add_argument(flag)
    options.add_experimental_option("prefs", {"download.default_directory": str(downloads),
                                              "download.prompt_for_download": False})
    driver = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)
    driver.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)})
    driver.implicitly_wait(5)
    driver.downloads = downloads
    try:
        yield driver
    finally:
        driver.quit()


def _shot(driver, tmp_path: Path, name: str, width: int = 1280) -> None:
    """A full-page screenshot (the window grown to the page's height)."""
    folder = Path(os.environ.get("COTMOC_PORTAL_SCREENSHOTS") or tmp_path / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    driver.set_window_size(width, 900)
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(width, min(max(height + 140, 600), 2400))
    driver.save_screenshot(str(folder / name))
    driver.set_window_size(1280, 900)


def _shot_around(driver, tmp_path: Path, name: str, element) -> None:
    """A window-sized screenshot with `element` in the middle (a long page's one row)."""
    folder = Path(os.environ.get("COTMOC_PORTAL_SCREENSHOTS") or tmp_path / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    driver.set_window_size(1280, 900)
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
    driver.save_screenshot(str(folder / name))


def _downloaded(driver, suffix: str, before: set[str], timeout: float = 20) -> Path:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        new = [p for p in driver.downloads.iterdir() if p.name not in before and p.name.endswith(suffix)]
        if new:
            return new[0]
        time.sleep(0.2)
    raise AssertionError(f"no {suffix} download; folder holds {sorted(p.name for p in driver.downloads.iterdir())}")


def _no_formulas(path: Path) -> None:
    wb = openpyxl.load_workbook(path)
    live = [f"{ws.title}!{c.coordinate}" for ws in wb for row in ws.iter_rows() for c in row if c.data_type == "f"]
    assert not live, f"{path.name} holds live formulas: {live[:5]}"


def _wait(condition, why="", timeout: float = 15):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out: {why() if callable(why) else why}"[:3000]
        time.sleep(0.1)


def _login(driver, base: str, name: str) -> None:
    from selenium.webdriver.common.by import By
    driver.get(f"{base}/dang-nhap")
    driver.find_element(By.NAME, "name").send_keys(name)
    driver.find_element(By.NAME, "password").send_keys(PASSWORDS[name])
    driver.find_element(By.CSS_SELECTOR, "button[type=submit].primary").click()


def _upload(driver, base: str, path: Path) -> None:
    from selenium.webdriver.common.by import By
    driver.get(f"{base}/tinh/dien_bien/kiem-tra")
    driver.find_element(By.CSS_SELECTOR, "input[type=file]").send_keys(str(path))
    driver.find_element(By.CSS_SELECTOR, "form button.primary").click()
    driver.find_element(By.ID, "verdict")


def test_steward_checks_fixes_and_sends_a_report_and_the_office_sees_it(tmp_path, browser):
    from selenium.webdriver.common.by import By
    from cotmoc.core.config import load_settings
    home = make_home(tmp_path / "office", skip=())
    settings = load_settings(home, environ={})
    with portal_server(home) as base:
        # 1. the steward logs in and lands on the province's periods
        _login(browser, base, "dien_bien")
        _wait(lambda: browser.current_url.endswith("/tinh/dien_bien"), lambda: browser.page_source)
        assert "Điện Biên" in browser.find_element(By.TAG_NAME, "h1").text
        rows = browser.find_elements(By.CSS_SELECTOR, "table.periods tbody tr")
        assert len(rows) >= 4 and "quá hạn" in browser.page_source
        _shot(browser, tmp_path, "portal-home.png")

        # 2. the pre-filled template of the newest period owed
        link = browser.find_element(By.CSS_SELECTOR, "table.periods a.button")
        period = link.get_attribute("href").rsplit("/", 1)[-1].removesuffix(".xlsx")
        before = {p.name for p in browser.downloads.iterdir()}
        link.click()
        template = _downloaded(browser, ".xlsx", before)
        info = openpyxl.load_workbook(template)["thong_tin"]
        values = [c.value for row in info.iter_rows() for c in row]
        assert "Điện Biên" in values and period in values
        _no_formulas(template)

        # 3. a faulty report: its error, with its cell and the value as typed, on the page
        faulty = SAMPLES / "faulty" / "loi_so_nguoi_dien_bien_2016.xlsx"
        started = time.perf_counter()
        _upload(browser, base, faulty)
        took = time.perf_counter() - started
        verdict = browser.find_element(By.ID, "verdict").text
        assert "1 lỗi" in verdict
        error_rows = browser.find_elements(By.CSS_SELECTOR, "table.problems.errors tbody tr")
        assert len(error_rows) == 1
        cells = [td.text for td in error_rows[0].find_elements(By.TAG_NAME, "td")]
        assert cells[1] == "K8" and cells[2] == "3.8 16" and "Số người" in cells[0]
        assert not browser.find_elements(By.ID, "submit"), "a report with errors must not offer Send"
        assert took < 5, f"verdict took {took:.1f} s"
        _shot(browser, tmp_path, "portal-check-errors.png")
        _shot(browser, tmp_path, "portal-check-errors-phone.png", width=390)

        # 4. the annotated copy: the steward's own workbook with the Loi sheet, nothing live in it
        before = {p.name for p in browser.downloads.iterdir()}
        browser.find_element(By.PARTIAL_LINK_TEXT, "chú thích").click()
        annotated = _downloaded(browser, ".loi.xlsx", before)
        wb = openpyxl.load_workbook(annotated)
        assert wb.sheetnames[0] == "Loi" and "doan_bien_gioi" in wb.sheetnames
        assert wb["doan_bien_gioi"]["K8"].comment is not None
        _no_formulas(annotated)

        # 5. the steward fixes the red cell in the annotated copy and checks it again: no problem; it will
        # supersede the report accepted before; sent; the page follows it
        fixed = tmp_path / "dien_bien_2016_da_sua.xlsx"
        wb["doan_bien_gioi"]["K8"] = 18                                 # the row's persons, as on the paper
        wb.save(fixed)
        _upload(browser, base, fixed)
        assert "Không có lỗi" in browser.find_element(By.ID, "verdict").text
        assert "dien_bien_2016.xlsx" in browser.find_element(By.ID, "supersedes").text
        assert "3.816 người" in browser.find_element(By.CSS_SELECTOR, ".figures").text      # the article's total
        figures = browser.find_element(By.CSS_SELECTOR, ".figures").text
        assert "365,861 km" in figures and "2.041" in figures        # the article's figures, as read
        for confirm in browser.find_elements(By.NAME, "confirm"):    # warnings (if any) need the explicit tick
            confirm.click()
        browser.find_element(By.CSS_SELECTOR, "#submit button").click()
        assert "đang chờ nhận" in browser.find_element(By.ID, "follow").text
        waiting = list((settings.inbox / "dien_bien").glob("dien_bien_2016_da_sua__*.xlsx"))
        assert len(waiting) == 1 and not any(p.name.startswith(".") for p in waiting[0].parent.iterdir())
        _shot(browser, tmp_path, "portal-submitted.png")

        # 6. the office's ingest and rollup take it; the page says it is loaded
        outcomes = ingest_and_publish(settings)
        assert [o.outcome for o in outcomes] == ["superseding"]
        browser.refresh()
        follow = browser.find_element(By.ID, "follow").text
        assert "đã nạp vào kho" in follow and f"submission {outcomes[0].submission_id}" in follow
        assert "Thay thế báo cáo trước: dien_bien_2016.xlsx" in follow
        _shot(browser, tmp_path, "portal-loaded.png")
        browser.get(f"{base}/tinh/dien_bien/lich-su")
        history = browser.find_element(By.CSS_SELECTOR, "table.history").text
        assert "dien_bien_2016_da_sua.xlsx" in history and "đã được thay" in history and "đã nhận" in history
        _shot(browser, tmp_path, "portal-history.png")
        browser.find_element(By.CSS_SELECTOR, "header form button").click()
        _wait(lambda: browser.current_url.endswith("/dang-nhap") and browser.find_elements(By.NAME, "password"))

        # 7. the office: the matrix shows Điện Biên 2016 accepted, the rejections, the national figures
        _login(browser, base, "van_phong")
        _wait(lambda: browser.current_url.endswith("/van-phong"), lambda: browser.page_source)
        field = browser.find_element(By.NAME, "ky")
        field.clear()
        field.send_keys("2016 2019")
        field.submit()
        _wait(lambda: "ky=2016" in browser.current_url)        # the new page, not the old one's rows
        row = [r for r in browser.find_elements(By.CSS_SELECTOR, "#matrix tbody tr")
               if r.find_element(By.TAG_NAME, "th").text == "Điện Biên"][0]
        mark = row.find_element(By.CSS_SELECTOR, "td .mark.ok")          # the first period column: 2016
        assert mark.text.startswith("✓") and "đã nhận" in mark.get_attribute("title")
        browser.get(f"{base}/van-phong?ky=2016&ky=2019&ky=2020S1&ky=2021")
        assert "Lai Châu · 2019" in browser.page_source
        _shot(browser, tmp_path, "portal-office.png")
        browser.get(f"{base}/van-phong/toan-quoc/2016")
        assert "365,861" in browser.find_element(By.TAG_NAME, "main").text
        _shot(browser, tmp_path, "portal-national.png")
        before = {p.name for p in browser.downloads.iterdir()}
        browser.find_element(By.PARTIAL_LINK_TEXT, "Báo cáo toàn quốc").click()
        _no_formulas(_downloaded(browser, ".xlsx", before))
    shutil.rmtree(browser.downloads, ignore_errors=True)


def _office_period(driver, base: str, period: str) -> None:
    from selenium.webdriver.common.by import By
    driver.get(f"{base}/van-phong?ky={period}")
    driver.find_element(By.ID, f"duyet-{period}")


def _logout(driver) -> None:
    from selenium.webdriver.common.by import By
    driver.find_element(By.CSS_SELECTOR, "header form button").click()
    _wait(lambda: driver.find_elements(By.NAME, "password"))


def test_the_office_approves_a_late_correction_is_held_then_unlocked(tmp_path, browser):
    """Approve from the office page → the province page shows the lock → a corrected report sent through the
    portal is held → unlock from the office page → it replaces the approved one; a further correction is
    taken by the next ingest as usual; approval_events has every step, in order."""
    import duckdb
    from selenium.webdriver.common.by import By
    from cotmoc.core.config import load_settings
    home = make_home(tmp_path / "office", skip=())
    settings = load_settings(home, environ={})

    def events():
        with duckdb.connect(str(settings.warehouse), read_only=True) as con:
            return con.execute("SELECT action, province_code, period, submission_id, actor FROM approval_events "
                               "ORDER BY event_id").fetchall()

    def teams():
        with duckdb.connect(str(settings.warehouse), read_only=True) as con:
            return con.execute("SELECT sum(teams) FROM province_teams WHERE period = '2016' "
                               "AND reporting_province_code = 'dien_bien'").fetchone()[0]

    def corrected(name: str, extra: int) -> Path:
        """Điện Biên's 2016 report with `extra` more teams (and ten members each) on its first team row."""
        wb = openpyxl.load_workbook(SAMPLES / "seed" / "dien_bien_2016.xlsx")
        ws = wb["to_tu_quan"]
        codes = {c.value: c.column for c in ws[3]}                  # row 3: the machine codes
        ws.cell(4, codes["teams"]).value += extra
        ws.cell(4, codes["members"]).value += extra * 10
        path = tmp_path / name
        wb.save(path)
        return path

    def send_and_ingest(path: Path, expected: str) -> int:
        """The steward checks and sends `path`; the office's ingest and rollup take it; its page is reloaded."""
        _upload(browser, base, path)
        for confirm in browser.find_elements(By.NAME, "confirm"):
            confirm.click()
        browser.find_element(By.CSS_SELECTOR, "#submit button").click()
        outcomes = ingest_and_publish(settings)
        assert [o.outcome for o in outcomes] == [expected]
        browser.refresh()
        return outcomes[0].submission_id

    with portal_server(home) as base:
        # 1. the office approves Điện Biên 2016 from its page, with a note
        _login(browser, base, "van_phong")
        _wait(lambda: browser.current_url.endswith("/van-phong"), lambda: browser.page_source)
        _office_period(browser, base, "2016")
        approved_id = int(browser.find_element(By.CSS_SELECTOR, "#approve-2016-dien_bien input[name=submissions]")
                          .get_attribute("value"))
        before = teams()
        form = browser.find_element(By.ID, "approve-2016-dien_bien")
        form.find_element(By.NAME, "note").send_keys("Báo cáo toàn quốc gửi Bộ")
        form.find_element(By.CSS_SELECTOR, "button").click()
        assert "Đã duyệt và khóa Điện Biên 2016" in browser.find_element(By.ID, "approval-result").text
        row = browser.find_element(By.ID, "approval-2016-dien_bien").text
        assert "đã duyệt, khóa" in row and "van_phong" in row and "Báo cáo toàn quốc gửi Bộ" in row
        assert "⊠" in browser.find_element(By.CSS_SELECTOR, "#matrix tbody").text
        _shot(browser, tmp_path, "portal-office-approval.png")
        _logout(browser)

        # 2. the steward sees the lock, sends a corrected report: checked, accepted, HELD
        _login(browser, base, "dien_bien")
        _wait(lambda: browser.current_url.endswith("/tinh/dien_bien"), lambda: browser.page_source)
        browser.get(f"{base}/tinh/dien_bien?tat-ca=1")
        note = browser.find_element(By.CSS_SELECTOR, ".lock-note").text
        assert "Kỳ này đã được văn phòng duyệt và khóa" in note and "GIỮ LẠI" in note and "van_phong" in note
        assert "cho đến khi văn phòng mở khóa" in note
        held_id = send_and_ingest(corrected("dien_bien_2016_sua.xlsx", 5), "held")
        assert "GIỮ LẠI" in browser.find_element(By.ID, "held").text
        assert teams() == before
        browser.get(f"{base}/tinh/dien_bien?tat-ca=1")
        held_list = browser.find_element(By.CSS_SELECTOR, ".held-list").text
        assert "dien_bien_2016_sua.xlsx" in held_list and "__" not in held_list     # the name it was sent under
        lock_note = browser.find_element(By.CSS_SELECTOR, ".lock-note").text
        assert "1 báo cáo đang được giữ lại chờ mở khóa" in lock_note and "1 report is held" in lock_note
        row = browser.find_element(By.CSS_SELECTOR, ".lock-note").find_element(By.XPATH, "./ancestor::tr")
        assert row.find_element(By.TAG_NAME, "strong").text == "2016"
        _shot_around(browser, tmp_path, "portal-province-locked.png", row)
        _logout(browser)

        # 3. the office unlocks it (a reason is required): the held report replaces the approved one at once
        _login(browser, base, "van_phong")
        _wait(lambda: browser.current_url.endswith("/van-phong"), lambda: browser.page_source)
        _office_period(browser, base, "2016")
        waiting = browser.find_element(By.ID, "approval-2016-dien_bien").text
        assert "giữ lại chờ mở khóa" in waiting and "dien_bien_2016_sua.xlsx" in waiting
        form = browser.find_element(By.ID, "unlock-2016-dien_bien")
        assert form.find_element(By.NAME, "reason").get_attribute("required") is not None
        form.find_element(By.NAME, "reason").send_keys("Tỉnh sửa số tổ tự quản")
        form.find_element(By.CSS_SELECTOR, "button").click()
        result = browser.find_element(By.ID, "approval-result").text
        assert "Đã mở khóa Điện Biên 2016" in result and f"hồ sơ {held_id}" in result
        assert teams() == before + 5
        assert "đã thay đổi sau khi duyệt" in browser.find_element(By.ID, "approval-2016-dien_bien").text

        # 4. while unlocked, the next correction is taken by the next ingest as any resubmission
        _logout(browser)
        _login(browser, base, "dien_bien")
        _wait(lambda: browser.current_url.endswith("/tinh/dien_bien"), lambda: browser.page_source)
        browser.get(f"{base}/tinh/dien_bien?tat-ca=1")
        assert "mở khóa" in browser.find_element(By.CSS_SELECTOR, ".lock-note").text
        latest_id = send_and_ingest(corrected("dien_bien_2016_sua_lan_2.xlsx", 7), "superseding")
        assert "đã nạp vào kho" in browser.find_element(By.ID, "follow").text
        assert teams() == before + 7
        assert events() == [("approve", "dien_bien", "2016", approved_id, "van_phong"),
                            ("hold", "dien_bien", "2016", held_id, "cotmoc"),
                            ("unlock", "dien_bien", "2016", approved_id, "van_phong"),
                            ("release", "dien_bien", "2016", held_id, "van_phong")]
        assert latest_id not in {e[3] for e in events()}
