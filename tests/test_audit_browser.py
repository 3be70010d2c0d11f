"""The HTML audit reports in a real browser: Debian's Chromium, headless, through chromedriver (selenium).

The pages must render (title, translated headings, status badges), log nothing severe to the console, and look
like a report (a screenshot is taken). Chromium missing is a failure, not a skip: scripts/setup-system installs it.
"""

from __future__ import annotations

import os
import struct
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.command import Command
from test_audit_report import REPO, SCRIPT, sample_run

from infra.audit import load_catalogue
from infra.audit.report import write_reports
from infra.inventory import load
from infra.plan import make_plan

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
HEADINGS = {
    "vi": ["Tổng hợp kết quả", "Mức sẵn sàng IPv6", "Kết quả theo biện pháp kiểm soát", "Bằng chứng"],
    "en": ["Summary", "IPv6 readiness", "Results by control", "Evidence"],
}
TITLES = {"vi": "Báo cáo kiểm tra an toàn thông tin mạng", "en": "Network security audit report"}
BADGES = {"vi": "Không đạt", "en": "Fail"}


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    inv = load(REPO / "inventory")
    run = sample_run(inv)
    return write_reports(run, inv, make_plan(inv), load_catalogue(), tmp_path_factory.mktemp("reports") / run.info.id)


def _ours(profile: Path) -> list[int]:
    """The processes still running with our profile directory on their command line."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if str(profile).encode() in cmdline:
            pids.append(int(entry.name))
    return pids


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[webdriver.Chrome]:
    missing = [str(p) for p in (CHROMIUM, CHROMEDRIVER) if not os.access(p, os.X_OK)]
    if missing:
        pytest.fail(f"{', '.join(missing)} missing: run scripts/setup-system (it installs chromium chromium-driver)")
    profile = tmp_path / "chromium-profile"
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--window-size=1280,1600",
        f"--user-data-dir={profile}",
    ):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)
    try:
        yield driver
    finally:
        driver.quit()
        deadline = time.monotonic() + 10
        while _ours(profile) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert _ours(profile) == [], "chromium processes left behind"


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_the_report_renders_in_chromium(
    browser: webdriver.Chrome, reports: dict[str, Path], tmp_path: Path, lang: str
) -> None:
    browser.get(reports[f"html-{lang}"].as_uri())
    assert browser.title.startswith(TITLES[lang])
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == lang
    assert browser.find_element(By.TAG_NAME, "h1").text == TITLES[lang]
    headings = [h.text for h in browser.find_elements(By.TAG_NAME, "h2")]
    for heading in HEADINGS[lang]:
        assert any(heading in h for h in headings), (heading, headings)
    badges = [b.text for b in browser.find_elements(By.CSS_SELECTOR, "details.finding[open] summary .badge.st-fail")]
    assert badges
    assert all(BADGES[lang] in b for b in badges)
    # the script in the evidence is text (had it run, its alert would have stopped the next command)
    block = browser.find_element(By.XPATH, "//pre[contains(., 'alert(')]")
    assert SCRIPT in (block.get_attribute("textContent") or "")
    assert not browser.find_elements(By.TAG_NAME, "script")
    shot = tmp_path / f"report.{lang}.png"
    assert browser.save_screenshot(str(shot))
    data = shot.read_bytes()
    width, height = _png_size(data)
    assert width >= 800, width
    assert height >= 600, height
    assert len(data) > 20_000  # a rendered page, not a blank one
    logs: list[dict[str, object]] = browser.execute(Command.GET_LOG, {"type": "browser"})["value"]
    severe = [e for e in logs if e.get("level") == "SEVERE"]
    assert severe == []
