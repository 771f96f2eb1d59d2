"""Do the report pages look right in a real browser (headless Chromium through selenium)?

Renders summary.html and a Korean feedback.html from the hand-made results in
tests/files/report/, opens both, checks every image decoded, the console stayed clean and the
Korean text is there, and keeps full-page screenshots (their paths are printed; run with -s).
Skipped only when Debian's chromium or chromedriver is not installed.
"""
from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from pathlib import Path

import pytest

from nngrade.report import write_class_reports, write_student_reports

FILES = Path(__file__).parent / "files" / "report"
CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")

# Chromium is part of the install (README, .ci/run): missing, the tests fail and say so, they
# never skip quietly.
pytestmark = pytest.mark.slow


def test_chromium_and_its_driver_are_installed():
    assert CHROMIUM.exists() and CHROMEDRIVER.exists(), \
        "needs Debian's chromium and chromium-driver (/usr/bin/chromium, /usr/bin/chromedriver)"


def _load(name: str) -> dict:
    return json.loads((FILES / name).read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    out = tmp_path_factory.mktemp("pages")
    everyone = [_load(n) for n in ("student_kim.json", "student_lee.json", "student_hostile.json")]
    write_student_reports(everyone[0], out / "kim", "ko")
    write_class_reports(everyone, out, "ko")
    return {"feedback": out / "kim" / "feedback.html", "summary": out / "summary.html"}


@contextlib.contextmanager
def headless_chromium(lang: str, logging: dict, prefs: dict | None = None):
    """Headless Chromium through selenium, in a profile of its own that is removed afterwards."""
    pytest.importorskip("selenium")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    # A driver path given explicitly keeps selenium-manager from looking for (or downloading) one.
    os.environ["SE_OFFLINE"] = "true"
    profile = tempfile.mkdtemp(prefix="nngrade-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--disable-dev-shm-usage", f"--user-data-dir={profile}", "--window-size=1100,900",
                 f"--lang={lang}"):
        options.add_argument(flag)
    if prefs:
        options.add_experimental_option("prefs", prefs)
    options.set_capability("goog:loggingPrefs", logging)
    drv = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    drv.set_page_load_timeout(30)
    try:
        yield drv
    finally:
        drv.quit()
        shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture(scope="module")
def driver():
    with headless_chromium("ko-KR", {"browser": "ALL"}) as drv:
        yield drv


def _open(driver, path: Path) -> None:
    driver.get(path.as_uri())
    driver.get_log("browser")          # drop anything logged before this page
    driver.get(path.as_uri())


def _images(driver) -> list[dict]:
    return driver.execute_script(
        "return Array.from(document.images).map(i => ({src: i.src.slice(0, 30), "
        "complete: i.complete, w: i.naturalWidth, h: i.naturalHeight}));")


def _errors(driver) -> list[dict]:
    return [e for e in driver.get_log("browser") if e.get("level") in ("SEVERE", "ERROR")]


def _screenshot(driver, name: str) -> Path:
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(1100, min(max(900, int(height) + 40), 12000))
    shots = Path(tempfile.gettempdir()) / "nngrade-screenshots"
    shots.mkdir(exist_ok=True)
    path = shots / f"{name}.png"
    assert driver.save_screenshot(str(path)), f"screenshot of {name} not written"
    print(f"\nscreenshot: {path}")
    driver.set_window_size(1100, 900)
    return path


def _check_page(driver, path: Path, min_images: int) -> list[dict]:
    _open(driver, path)
    images = _images(driver)
    assert len(images) >= min_images, f"{path.name}: {len(images)} images, expected at least {min_images}"
    broken = [i for i in images if not (i["complete"] and i["w"] > 0 and i["h"] > 0)]
    assert not broken, f"{path.name}: images that did not load: {broken}"
    assert not _errors(driver), f"{path.name}: console errors: {_errors(driver)}"
    assert not driver.find_elements("tag name", "script"), f"{path.name}: a <script> element made it into the page"
    return images


def test_feedback_page_loads_with_plots_and_korean_text(driver, pages):
    """Does the Korean feedback page show its four plots, Korean headings and the hints?"""
    images = _check_page(driver, pages["feedback"], min_images=4)
    body = driver.find_element("tag name", "body").text
    for expected in ("채점 결과", "김민준", "확인된 실수", "출력 델타", "지각 제출", "샌드박스"):
        assert expected in body, f"{expected!r} missing from the rendered feedback page"
    # The plots are the size the report draws them at (560 x 320 px, boundary 460 x 380 px).
    assert {(i["w"], i["h"]) for i in images} >= {(560, 320), (460, 380)}
    # Student output is shown as text, not run: the hostile sample is in the summary, checked below.
    _screenshot(driver, "feedback_ko")


def test_summary_page_loads_and_escapes_student_text(driver, pages):
    """Does the class summary show the histogram and the shares of mistakes, with hostile names as text?"""
    _check_page(driver, pages["summary"], min_images=1)
    body = driver.find_element("tag name", "body").text
    for expected in ("수업 전체 요약", "점수 분포", "가장 흔한 실수", "delta-sign: 33 %", "김민준"):
        assert expected in body, f"{expected!r} missing from the rendered summary page"
    assert "Park <script>alert(1)</script>" in body       # shown literally, not executed
    assert not driver.find_elements("tag name", "iframe")
    _screenshot(driver, "summary_ko")


@pytest.mark.parametrize("width", [1280, 390])
@pytest.mark.parametrize("page", ["feedback", "summary"])
def test_pages_fit_a_laptop_and_a_phone_without_sideways_scrolling(driver, pages, page, width):
    """At 390 px (a phone) and 1280 px, nothing sticks out sideways: wide tables scroll inside
    themselves, plots shrink to the page's width. The screenshots are kept."""
    driver.set_window_size(width, 900)
    try:
        _open(driver, pages[page])
        inner = driver.execute_script("return window.innerWidth")
        overflow = driver.execute_script(
            "return document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1, f"{page} at {width} px: {overflow} px wider than the window ({inner})"
        wide = driver.execute_script(
            "return Array.from(document.querySelectorAll('img')).filter("
            "i => i.getBoundingClientRect().right > window.innerWidth + 1).length")
        assert wide == 0, f"{page} at {width} px: {wide} plots stick out"
        height = driver.execute_script("return document.documentElement.scrollHeight")
        driver.set_window_size(width, min(max(900, int(height) + 40), 16000))
        shots = Path(tempfile.gettempdir()) / "nngrade-screenshots"
        shots.mkdir(exist_ok=True)
        path = shots / f"{page}_ko_{width}px.png"
        assert driver.save_screenshot(str(path))
        print(f"\nscreenshot: {path} ({height} px tall)")
    finally:
        driver.set_window_size(1100, 900)
