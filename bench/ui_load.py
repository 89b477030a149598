"""Measure each contribution in the local Azure DevOps host: time to data (median of 10) and gzipped JS.

Time to data = from the host setting the iframe's src (host event "navigate") to the host hearing that
the data is on screen: notifyLoadSucceeded for the hub and the form group (both call it after their data
is rendered), the resolved load() for the widget, and the resolved load() for the configuration.
Every run uses a fresh browser context (cold cache), the real backend on SQLite with demo data, and
the real bundles from extension/dist. Targets on this machine: <= 1 s to data, <= 300 KB gzipped.

Usage: .venv/bin/python bench/ui_load.py [--runs 10]
"""

from __future__ import annotations

import argparse
import gzip
import os
import statistics
import sys
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, Page, sync_playwright
from werkzeug.serving import make_server

from backend import create_app
from backend.config import Settings
from backend.devtools.devhost import HostIdentity, create_devhost_app
from backend.devtools.static_origin import create_static_app
from backend.storage import open_storage

REPO = Path(__file__).resolve().parents[1]
DIST = REPO / "extension" / "dist"
TARGET_SECONDS = 1.0
TARGET_GZIP_BYTES = 300 * 1024
TIMEOUT_MS = 20_000


@dataclass(frozen=True)
class Case:
    """One contribution: where the host shows it, and which host event means 'data on screen'."""

    contribution: str
    route: str
    frame_label: str
    done_event: str
    before: Callable[[Page], None] | None = None


def _open_configuration(page: Page) -> None:
    page.wait_for_function("window.hostEvents.some(e => e.type === 'widget.load')", timeout=TIMEOUT_MS)
    page.click('[data-action="configure"]')


CASES = [
    Case("customer-reports", "#/boards/customer-reports", "customer-reports", "loadSucceeded"),
    Case("customer-impact", "#/work-items/101", "customer-impact", "loadSucceeded"),
    Case("customer-reported-bugs", "#/dashboard", "customer-reported-bugs", "widget.load"),
    Case(
        "customer-reported-bugs-config",
        "#/dashboard",
        "customer-reported-bugs-config",
        "config.load",
        _open_configuration,
    ),
]


class _Late:
    """WSGI app set after its server has a port (the three apps point at each other)."""

    app: Any = None

    def __call__(self, environ: Any, start_response: Any) -> Any:
        return self.app(environ, start_response)


def start_stack(workdir: Path) -> str:
    """Start backend, static origin and devhost on ephemeral ports; return the host page URL."""
    slots = [_Late(), _Late(), _Late()]
    urls = []
    for slot in slots:
        server = make_server("127.0.0.1", 0, slot, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        urls.append(f"http://127.0.0.1:{server.server_port}")
    backend_url, static_origin, host_url = urls
    identity = HostIdentity()
    settings = Settings(
        extension_secret=os.urandom(32).hex(),
        environment="development",
        database=workdir / "bench.db",
        cors_origins=(static_origin,),
    )
    storage = open_storage(settings.database)
    storage.upgrade()
    identity.seed_demo_data(storage)
    slots[0].app = create_app(settings, storage=storage)
    slots[1].app = create_static_app(settings, backend_url=backend_url, dist_dir=DIST)
    slots[2].app = create_devhost_app(settings, static_origin=static_origin)
    return host_url


def time_to_data(browser: Browser, host_url: str, case: Case) -> float:
    """Open the case's page in a fresh context; return seconds from frame navigation to data."""
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    try:
        page = context.new_page()
        page.goto(f"{host_url}/{case.route}")
        if case.before:
            case.before(page)
        done = "([k, c]) => window.hostEvents.some(e => e.type === k && e.contribution === c)"
        page.wait_for_function(done, arg=[case.done_event, case.frame_label], timeout=TIMEOUT_MS)
        if page.evaluate("window.hostEvents.some(e => e.type === 'loadFailed')"):
            raise RuntimeError(f"{case.contribution} failed to load")
        times: dict[str, float] = page.evaluate(
            """([k, c]) => {
                const at = (type) => window.hostEvents.find(e => e.type === type && e.contribution === c).at;
                return {start: at('navigate'), end: at(k)};
            }""",
            [case.done_event, case.frame_label],
        )
        return (times["end"] - times["start"]) / 1000
    finally:
        context.close()


def gzipped_js(contribution: str) -> int:
    """Return the gzip -9 size of a contribution's bundle."""
    return len(gzip.compress((DIST / contribution / f"{contribution}.js").read_bytes(), compresslevel=9))


def chromium() -> str | None:
    """Pick the browser like the tests do: REPORT_BRIDGE_CHROMIUM, Playwright's own, then Debian's."""
    if os.environ.get("REPORT_BRIDGE_CHROMIUM"):
        return os.environ["REPORT_BRIDGE_CHROMIUM"]
    if any((Path.home() / ".cache" / "ms-playwright").glob("chromium*")):
        return None
    return "/usr/bin/chromium"


def main() -> int:
    """Run every case and print the figures against the targets; exit 1 if a target is missed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    if not DIST.is_dir():
        print("extension/dist is missing: run `npm run build` in extension/", file=sys.stderr)
        return 2
    ok = True
    with tempfile.TemporaryDirectory() as workdir, sync_playwright() as p:
        host_url = start_stack(Path(workdir))
        browser = p.chromium.launch(
            executable_path=chromium(),
            args=["--disable-gpu", *(["--no-sandbox"] if os.geteuid() == 0 else [])],
        )
        time_to_data(browser, host_url, CASES[0])  # warm-up: first Chromium start-up is not the UI's cost
        header = ("contribution", "median", "min", "max", "target", "JS gz", "target")
        print("{:32} {:>8} {:>7} {:>7}  {:>6}  {:>9}  {:>7}".format(*header))
        for case in CASES:
            samples = [time_to_data(browser, host_url, case) for _ in range(args.runs)]
            median, size = statistics.median(samples), gzipped_js(case.contribution)
            time_ok, size_ok = median <= TARGET_SECONDS, size <= TARGET_GZIP_BYTES
            ok = ok and time_ok and size_ok
            print(
                f"{case.contribution:32} {median:7.3f}s {min(samples):6.3f}s {max(samples):6.3f}s  "
                f"{'ok' if time_ok else 'MISS':>6}  {size / 1024:7.1f}KB  {'ok' if size_ok else 'MISS':>7}"
                f"   ({median / TARGET_SECONDS:.0%} of 1 s, {size / TARGET_GZIP_BYTES:.0%} of 300 KB)"
            )
        browser.close()
    print(f"runs per contribution: {args.runs}, fresh browser context each run")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
