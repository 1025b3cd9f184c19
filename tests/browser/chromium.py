"""Headless Chromium through Selenium: the system `chromium` driven by the system `chromedriver` (Debian's
`chromium` and `chromium-driver` packages, installed in CI by `.ci/chromium.sh`). Never downloads a browser
or a driver: when either is missing, `missing()` says which, and the browser tests skip with that reason.

CHROMIUM / CHROMEDRIVER (paths) override where they are looked for.
"""

from __future__ import annotations

import base64
import os
import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import WebDriverWait

WINDOW = (1280, 900)  # fixed, so layouts and screenshots do not depend on the machine
BROWSERS = ("chromium", "chromium-browser")
DRIVERS = ("chromedriver",)
WAIT = 10.0  # seconds a page or an element may take before a test fails


def _find(env: str, names: tuple[str, ...]) -> str | None:
    given = os.environ.get(env, "")
    if given:
        return given if Path(given).is_file() else None
    for name in names:
        found = shutil.which(name)
        if found:
            return found
    return None


def binaries() -> tuple[str | None, str | None]:
    """(chromium, chromedriver): their paths, or None where absent."""
    return _find("CHROMIUM", BROWSERS), _find("CHROMEDRIVER", DRIVERS)


def missing() -> str:
    """Why the browser tests cannot run here ('' when they can)."""
    browser, driver = binaries()
    absent = [name for name, path in (("chromium", browser), ("chromium-driver", driver)) if path is None]
    if not absent:
        return ""
    return (
        f"{' and '.join(absent)} not installed: the browser tests need Debian's `chromium` and "
        "`chromium-driver` (`sudo bash .ci/chromium.sh`, as CI does)"
    )


def start_chromium(*, window: tuple[int, int] = WINDOW, language: str = "en-US") -> WebDriver:
    """A headless Chromium with a fixed window size; `--no-sandbox` only when running as root (the sandbox
    cannot start there)."""
    browser, driver = binaries()
    if browser is None or driver is None:
        raise RuntimeError(missing())
    options = webdriver.ChromeOptions()
    options.binary_location = browser
    for argument in (
        "--headless=new",
        f"--window-size={window[0]},{window[1]}",
        "--force-device-scale-factor=1",
        "--disable-gpu",
        "--disable-dev-shm-usage",  # containers have a small /dev/shm
        "--no-proxy-server",  # everything is on loopback
        "--no-first-run",
        "--disable-extensions",
        "--hide-scrollbars",
        f"--lang={language}",
    ):
        options.add_argument(argument)
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        options.add_argument("--no-sandbox")
    options.add_experimental_option("prefs", {"intl.accept_languages": language})
    chrome = webdriver.Chrome(options=options, service=Service(executable_path=driver))
    chrome.set_page_load_timeout(WAIT * 3)
    return chrome


@contextmanager
def chromium(*, window: tuple[int, int] = WINDOW, language: str = "en-US") -> Iterator[WebDriver]:
    chrome = start_chromium(window=window, language=language)
    try:
        yield chrome
    finally:
        chrome.quit()


# --- small helpers for driving pages ---------------------------------------------------------------------


def wait_until(chrome: WebDriver, condition: Callable[[WebDriver], object], *, what: str = "") -> object:
    return WebDriverWait(chrome, WAIT, poll_frequency=0.05).until(condition, message=what)


def loaded(chrome: WebDriver) -> None:
    wait_until(chrome, lambda c: c.execute_script("return document.readyState") == "complete")


def navigating(chrome: WebDriver, action: Callable[[], object]) -> None:
    """Run `action` (a click, a submit) and wait until the page it leads to has loaded."""
    old = chrome.find_element(By.TAG_NAME, "html")
    action()
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        try:
            old.tag_name  # noqa: B018  (raises once the old page is gone)
        except Exception:
            break
        time.sleep(0.02)
    else:
        raise AssertionError(f"no navigation after the action (still on {chrome.current_url})")
    loaded(chrome)


def by_id(chrome: WebDriver, element_id: str) -> WebElement:
    return chrome.find_element(By.ID, element_id)


def has_id(chrome: WebDriver, element_id: str) -> bool:
    return bool(chrome.find_elements(By.ID, element_id))


def full_page_screenshot(chrome: WebDriver, path: Path, *, width: int = WINDOW[0]) -> None:
    """A PNG of the whole page at `width` CSS pixels: the viewport is stretched to the document's height for
    the shot (DevTools' device metrics, as the window's own size includes the browser's frame)."""
    chrome.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": WINDOW[1], "deviceScaleFactor": 1, "mobile": False},
    )
    try:
        height = int(chrome.execute_script("return document.documentElement.scrollHeight"))
        chrome.execute_cdp_cmd(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": max(WINDOW[1], height), "deviceScaleFactor": 1, "mobile": False},
        )
        shot = chrome.execute_cdp_cmd(
            "Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True}
        )
        path.write_bytes(base64.b64decode(shot["data"]))
    finally:
        chrome.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
