"""What every browser module here shares: the shipped graph's server and the headless browser
of this test process (session fixtures in tests/conftest.py), and a page in a browser context
of its own for each test."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from browser_support import Served, new_page


@pytest.fixture
def server(shipped_server: Served) -> Served:
    """The shipped graph's server this test process shares (tests/conftest.py)."""
    return shipped_server


@pytest.fixture
def browser(chromium: Any) -> Any:
    return chromium


@pytest.fixture
def page(browser: Any, server: str) -> Iterator[Any]:
    yield from new_page(browser, server)
