"""Measure each contribution in the local Azure DevOps host: time to data (median of 10) and gzipped JS.

Time to data = from the host setting the iframe's src (host event "navigate") to the host hearing that
the data is on screen: notifyLoadSucceeded for the hub and the form group (both call it after their data
is rendered), the resolved load() for the widget, and the resolved load() for the configuration.
Every run uses a fresh browser context (cold cache), the real backend on SQLite with demo data, and
the real bundles from extension/dist. Targets on this machine: <= 0.5 s to data for the hub, <= 1 s for
the others, <= 120 KB gzipped each. It also prints when each step of a load ended (median), and with
--baseline another build's dist/ measured in turns with this one, and the ratio.

Usage: .venv/bin/python bench/ui_load.py [--runs 10] [--only customer-reports] [--baseline DIR]
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
from backend.devtools.devhost.app import HostIdentity, create_devhost_app
from backend.devtools.devhost.static_origin import create_static_app
from backend.storage import open_storage

REPO = Path(__file__).resolve().parents[1]
DIST = REPO / "extension" / "dist"
TARGET_SECONDS = 1.0  # every contribution; the hub's own target is HUB_TARGET_SECONDS
HUB_TARGET_SECONDS = 0.5
TARGET_GZIP_BYTES = 120 * 1024
TIMEOUT_MS = 20_000


@dataclass(frozen=True)
class Case:
    """One contribution: where the host shows it, and which host event means 'data on screen'."""

    contribution: str
    route: str
    frame_label: str
    done_event: str
    before: Callable[[Page], None] | None = None
    target_seconds: float = TARGET_SECONDS


def _open_configuration(page: Page) -> None:
    page.wait_for_function("window.hostEvents.some(e => e.type === 'widget.load')", timeout=TIMEOUT_MS)
    page.click('[data-action="configure"]')


CASES = [
    Case(
        "customer-reports",
        "#/boards/customer-reports",
        "customer-reports",
        "loadSucceeded",
        target_seconds=HUB_TARGET_SECONDS,
    ),
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


def start_stack(workdir: Path, dist: Path = DIST) -> tuple[str, str]:
    """Start backend, static origin (serving `dist`) and devhost on ephemeral ports.

    Returns the host page's URL and the static origin.
    """
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
        database=workdir / f"bench-{dist.name}-{os.urandom(4).hex()}.db",
        cors_origins=(static_origin,),
    )
    storage = open_storage(settings.database)
    storage.upgrade()
    identity.seed_demo_data(storage)
    slots[0].app = create_app(settings, storage=storage)
    slots[1].app = create_static_app(settings, backend_url=backend_url, dist_dir=dist)
    slots[2].app = create_devhost_app(settings, static_origin=static_origin)
    return host_url, static_origin


# Milestones inside one load, in seconds after the host set the frame's src (host events and the frame's
# own Resource Timing, both on the wall clock): where the time to data goes.
MILESTONES = ("html", "css", "bundle", "run", "handshake", "token", "api start", "api end", "done")
FRAME_TIMING = """() => {
    const abs = (t) => performance.timeOrigin + t;
    const nav = performance.getEntriesByType("navigation")[0];
    const res = performance.getEntriesByType("resource");
    const js = res.find((r) => r.name.endsWith(".js"));
    const css = res.find((r) => r.name.endsWith(".css"));
    const run = performance.getEntriesByName("report-bridge:start")[0];
    const api = res.filter((r) => r.name.includes("/api/v1/"));
    return {
        html: abs(nav.responseEnd),
        css: css ? abs(css.responseEnd) : null,
        bundle: js ? abs(js.responseEnd) : null,
        run: run ? abs(run.startTime) : null,
        apiStart: api.length ? abs(Math.min(...api.map((r) => r.startTime))) : null,
        apiEnd: api.length ? abs(Math.max(...api.map((r) => r.responseEnd))) : null,
    };
}"""


def time_to_data(browser: Browser, host_url: str, case: Case) -> float:
    """Open the case's page in a fresh context; return seconds from frame navigation to data."""
    return load_once(browser, host_url, case)["done"]


def load_once(browser: Browser, host_url: str, case: Case) -> dict[str, float]:
    """Open the case's page in a fresh context; return each milestone in seconds after navigation."""
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
        host: dict[str, float | None] = page.evaluate(
            """([k, c]) => {
                const at = (type) => {
                    const e = window.hostEvents.find(e => e.type === type && e.contribution === c);
                    return e ? performance.timeOrigin + e.at : null;
                };
                return {navigate: at('navigate'), handshake: at('handshake'), token: at('getAppToken'),
                        done: at(k)};
            }""",
            [case.done_event, case.frame_label],
        )
        selector = f'iframe[data-contribution="{case.frame_label}"]:not([data-label$=":preview"])'
        handle = page.query_selector(selector)
        content = handle.content_frame() if handle else None
        inner: dict[str, float | None] = content.evaluate(FRAME_TIMING) if content else {}
        start = host["navigate"]
        assert start is not None
        absolute = {
            "html": inner.get("html"),
            "css": inner.get("css"),
            "bundle": inner.get("bundle"),
            "run": inner.get("run"),
            "handshake": host["handshake"],
            "token": host["token"],
            "api start": inner.get("apiStart"),
            "api end": inner.get("apiEnd"),
            "done": host["done"],
        }
        return {name: (at - start) / 1000 for name, at in absolute.items() if at is not None}
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


def medians(loads: list[dict[str, float]]) -> dict[str, float]:
    """The median of each milestone over the runs that reached it."""
    return {
        name: statistics.median(load[name] for load in loads if name in load)
        for name in MILESTONES
        if any(name in load for load in loads)
    }


def print_phases(title: str, phases: dict[str, dict[str, float]]) -> None:
    print(f"\n{title}: median seconds after navigation at which each step ended")
    print("{:32} ".format("contribution") + " ".join(f"{name:>9}" for name in MILESTONES))
    for contribution, steps in phases.items():
        cells = " ".join(f"{steps[name]:8.3f}s" if name in steps else f"{'-':>9}" for name in MILESTONES)
        print(f"{contribution:32} {cells}")


def main() -> int:
    """Run every case and print the figures against the targets; exit 1 if a target is missed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    names = [case.contribution for case in CASES]
    parser.add_argument("--only", choices=names, help="measure one contribution")
    parser.add_argument(
        "--baseline", type=Path, help="another build's dist/ (e.g. main's), measured in turns with this one"
    )
    parser.add_argument(
        "--isolate",
        action="store_true",
        help="give the extension's origin its own renderer process, as Chromium does for the Marketplace CDN "
        "(another site than dev.azure.com); by default it shares the host page's main thread (same site)",
    )
    args = parser.parse_args()
    if not DIST.is_dir():
        print("extension/dist is missing: run `npm run build` in extension/", file=sys.stderr)
        return 2
    ok = True
    phases: dict[str, dict[str, float]] = {}
    base_phases: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as workdir, sync_playwright() as p:
        host_url, origin = start_stack(Path(workdir))
        base_url, base_origin = start_stack(Path(workdir), args.baseline) if args.baseline else (None, "")
        flags = ["--disable-gpu", *(["--no-sandbox"] if os.geteuid() == 0 else [])]
        if args.isolate:
            flags.append(f"--isolate-origins={','.join(o for o in (origin, base_origin) if o)}")
        browser = p.chromium.launch(executable_path=chromium(), args=flags)
        time_to_data(browser, host_url, CASES[0])  # warm-up: first Chromium start-up is not the UI's cost
        header = ("contribution", "median", "min", "max", "target", "JS gz", "target")
        print("{:32} {:>8} {:>7} {:>7}  {:>6}  {:>9}  {:>7}".format(*header))
        for case in CASES:
            if args.only and case.contribution != args.only:
                continue
            loads, base_loads = [], []
            for _ in range(args.runs):  # in turns, so a machine that slows down mid-way slows both
                loads.append(load_once(browser, host_url, case))
                if base_url:
                    base_loads.append(load_once(browser, base_url, case))
            samples = [load["done"] for load in loads]
            phases[case.contribution] = medians(loads)
            median, size = statistics.median(samples), gzipped_js(case.contribution)
            time_ok, size_ok = median <= case.target_seconds, size <= TARGET_GZIP_BYTES
            ok = ok and time_ok and size_ok
            line = (
                f"{case.contribution:32} {median:7.3f}s {min(samples):6.3f}s {max(samples):6.3f}s  "
                f"{'ok' if time_ok else 'MISS':>6}  {size / 1024:7.1f}KB  {'ok' if size_ok else 'MISS':>7}"
                f"   ({median / case.target_seconds:.0%} of {case.target_seconds:g} s, "
                f"{size / TARGET_GZIP_BYTES:.0%} of {TARGET_GZIP_BYTES // 1024} KB)"
            )
            if base_loads:
                base_phases[case.contribution] = medians(base_loads)
                base = statistics.median(load["done"] for load in base_loads)
                line += f"   baseline {base:.3f}s, ratio {median / base:.2f}"
            print(line)
        browser.close()
    layout = "own renderer process (--isolate)" if args.isolate else "same renderer as the host page"
    print(f"runs per contribution: {args.runs}, fresh browser context each run, extension frames: {layout}")
    print_phases("where the time goes", phases)
    if base_phases:
        print_phases(f"baseline ({args.baseline})", base_phases)
    print(
        "html, css, bundle: the page, its stylesheet, its script arrived · run: the script reached "
        "startSdk (parsed, its modules run) · handshake: the SDK's first message reached the host · token: "
        "the host handed out the app token · api: the first backend request began / the last one ended · "
        "done: data on screen"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
