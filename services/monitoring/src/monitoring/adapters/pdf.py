"""Printing a page to PDF with a headless Chromium, found through `MONITORING_PDF_CHROMIUM`."""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from pathlib import Path

# A printing browser reaches nothing: the page is a local file with everything inline.
ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--no-pdf-header-footer",
    "--proxy-server=127.0.0.1:9",
)


class RendererUnavailableError(Exception):
    """No Chromium at the configured name or path."""


class RenderFailedError(Exception):
    """Chromium ran but gave no PDF."""


def renderer(name: str) -> str | None:
    """The Chromium executable for a configured name or path, if it exists."""
    return shutil.which(name) if name else None


async def print_to_pdf(html: str, chromium: str, seconds: float) -> bytes:
    """The PDF of an HTML page, as Chromium prints it."""
    executable = renderer(chromium)
    if executable is None:
        raise RendererUnavailableError(chromium)
    with tempfile.TemporaryDirectory(prefix="slrt-pdf-") as folder:
        page, out = Path(folder) / "page.html", Path(folder) / "page.pdf"
        page.write_text(html, encoding="utf-8")
        process = await asyncio.create_subprocess_exec(
            executable,
            *ARGS,
            f"--user-data-dir={folder}/profile",
            f"--print-to-pdf={out}",
            page.as_uri(),
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )
        try:
            await asyncio.wait_for(process.wait(), seconds)
        except TimeoutError:
            process.kill()
            await process.wait()
            raise RenderFailedError("timeout") from None
        data = out.read_bytes() if out.exists() else b""
    if not data.startswith(b"%PDF") or b"%%EOF" not in data[-1024:]:
        raise RenderFailedError(f"exit {process.returncode}")
    return data
