"""One headless Chromium per session and one served bot per module; without Debian's `chromium` and
`chromium-driver` every browser test skips and says how to install them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from selenium.webdriver.remote.webdriver import WebDriver

from tests.browser.chromium import missing, start_chromium
from tests.browser.site import Site, served_site
from tests.database_templates import migrated_sqlite


@pytest.fixture(scope="session")
def chrome() -> Iterator[WebDriver]:
    why = missing()
    if why:
        pytest.skip(why)
    browser = start_chromium()
    yield browser
    browser.quit()


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, chrome: WebDriver) -> Iterator[Site]:
    """A bot on a fresh SQLite database, served on loopback (asks for `chrome` first: no bot is started when
    the tests skip)."""
    database_url = migrated_sqlite(tmp_path_factory.mktemp("browser") / "dashboard.db")
    with served_site(database_url) as served:
        yield served
