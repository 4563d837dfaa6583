"""Open the report in real headless Chromium: console messages, every chart rendered, a screenshot.

No extra dependency: Chromium's own ``--screenshot`` and ``--enable-logging=stderr`` (console messages
are logged as ``CONSOLE`` lines). A copy of the page gets a small probe script that, on ``load``, logs
how many images and SVGs exist and how many actually rendered (``naturalWidth > 0`` / SVG content).
The page itself has no script, so any other console message is an error. Name resolution is disabled
(``--host-resolver-rules``): a page that needs the network shows up as failed loads.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")
PROBE_TAG = "REPORT-PROBE "
PROBE = (
    "<script>window.addEventListener('load', function () {"
    "var images = Array.prototype.slice.call(document.images);"
    "var svgs = Array.prototype.slice.call(document.querySelectorAll('svg'));"
    "console.log('" + PROBE_TAG + "' + JSON.stringify({"
    "images: images.length,"
    "images_rendered: images.filter(function (i) { return i.complete && i.naturalWidth > 0; }).length,"
    "svgs: svgs.length,"
    "svgs_rendered: svgs.filter(function (s) { return s.childElementCount > 0; }).length,"
    "charts: document.querySelectorAll('[data-chart]').length,"
    "height: document.documentElement.scrollHeight"
    "}));});</script>"
)
CONSOLE_LINE = re.compile(r":CONSOLE(?::\d+|\(\d+\))\] \"(?P<message>.*)\", source: (?P<source>.*)$")


@dataclass
class BrowserResult:
    """What Chromium saw."""

    returncode: int
    console: list[str] = field(default_factory=list)
    probe: dict[str, int] | None = None
    screenshot: Path | None = None
    stderr_tail: str = ""

    @property
    def charts_rendered(self) -> bool:
        """Every chart element rendered: each image decoded with a width, each SVG has content."""
        if self.probe is None:
            return False
        return (
            self.probe["images"] == self.probe["images_rendered"]
            and self.probe["svgs"] == self.probe["svgs_rendered"]
        )

    @property
    def ok(self) -> bool:
        return self.returncode == 0 and not self.console and self.charts_rendered


def find_chromium() -> str | None:
    """The Chromium binary: $ENGAGEMENT_CHROMIUM, else the first known name on PATH."""
    explicit = os.environ.get("ENGAGEMENT_CHROMIUM")
    if explicit:
        return explicit if Path(explicit).exists() or shutil.which(explicit) else None
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


def _with_probe(html: str) -> str:
    index = html.rfind("</body>")
    return html + PROBE if index < 0 else html[:index] + PROBE + html[index:]


def check_page(
    html_path: Path,
    screenshot: Path | None = None,
    window: tuple[int, int] = (1400, 4000),
    chromium: str | None = None,
    timeout: float = 120.0,
) -> BrowserResult:
    """Load ``html_path`` in headless Chromium and report console messages, charts and a screenshot."""
    binary = chromium or find_chromium()
    if binary is None:
        raise FileNotFoundError("no Chromium found (install `chromium` or set ENGAGEMENT_CHROMIUM)")
    with tempfile.TemporaryDirectory(prefix="engagement-report-") as tmp:
        work = Path(tmp)
        page = work / "page.html"
        page.write_text(_with_probe(Path(html_path).read_text(encoding="utf-8")), encoding="utf-8")
        shot = work / "screenshot.png"
        cmd = [
            binary,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            "--host-resolver-rules=MAP * ~NOTFOUND",
            f"--user-data-dir={work / 'profile'}",
            "--enable-logging=stderr",
            "--v=0",
            f"--window-size={window[0]},{window[1]}",
            f"--screenshot={shot}",
            page.as_uri(),
        ]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
        result = BrowserResult(returncode=proc.returncode, stderr_tail=proc.stderr[-3000:])
        for line in proc.stderr.splitlines():
            match = CONSOLE_LINE.search(line)
            if not match:
                continue
            message = match.group("message")
            if message.startswith(PROBE_TAG):
                result.probe = json.loads(message[len(PROBE_TAG) :])
            else:
                result.console.append(f"{message} ({match.group('source')})")
        if screenshot is not None and shot.exists():
            screenshot.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(shot, screenshot)
            result.screenshot = screenshot
    return result
