"""What browser tests share: Debian's chromium, phone and desktop sizes, axe-core, screenshots.

Pages are driven by playwright with the machine's chromium (`executable_path`), never a browser
playwright would download. Each page is watched for requests leaving this machine, and checked
with axe-core, injected from `tests/browser/node_modules` (installed by `make install`).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / ".local" / "screenshots"
AXE = ROOT / "tests" / "browser" / "node_modules" / "axe-core" / "axe.min.js"
PHONE_VIEWPORT = {"width": 360, "height": 640}
DESKTOP_VIEWPORT = {"width": 1366, "height": 900}
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def chromium_path() -> str | None:
    """Debian's chromium on this machine, if installed."""
    return shutil.which("chromium") or shutil.which("chromium-browser")


needs_chromium = pytest.mark.skipif(
    chromium_path() is None and not os.environ.get("CI"),
    reason="Debian's chromium is not installed (CI installs it)",
)


@contextmanager
def chromium() -> Iterator[Any]:
    """A headless chromium (the machine's own) for the length of the block."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


class OutsideRequests(list[str]):
    """The URLs a browser context asked for that are not on this machine."""

    def watch(self, context: Any) -> OutsideRequests:
        """Record every request of `context` (its pages and service workers) leaving the machine."""

        def seen(request: Any) -> None:
            url = request.url
            scheme = urlsplit(url).scheme
            if scheme in {"data", "blob", "about", "chrome-extension"}:
                return
            if urlsplit(url).hostname not in LOCAL_HOSTS:
                self.append(url)

        context.on("request", seen)
        return self


def serious_accessibility_violations(page: Any) -> list[dict[str, Any]]:
    """axe-core's violations of impact serious or critical on the page as it is now."""
    if not AXE.exists():
        raise AssertionError(f"{AXE} is missing: run `make install` (npm ci in tests/browser)")
    page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        {
            "id": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "nodes": [n["target"] for n in v["nodes"][:5]],
        }
        for v in result["violations"]
        if v["impact"] in {"serious", "critical"}
    ]


def screenshot(page: Any, name: str, *, full_page: bool = False) -> Path:
    """Write a screenshot under .local/screenshots/ and return its path."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / name
    page.screenshot(path=str(path), full_page=full_page)
    return path
