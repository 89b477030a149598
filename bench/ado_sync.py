"""REST calls and wall time to refresh the state of 1,000 linked work items against the local emulator.

The backend's real refresh path (`backend.outbox.handlers.refresh_linked`: work-items-batch, 200 ids a call)
runs over real HTTP against the local Azure DevOps emulator on an ephemeral 127.0.0.1 port; the
emulator counts the requests. Seeding (items in the emulator, linked groups in SQLite) is not timed.
Target: ceil(1000 / 200) = 5 calls.

    .venv/bin/python -m bench.ado_sync [--items 1000] [--runs 5]
"""

from __future__ import annotations

import argparse
import logging
import math
import secrets
import statistics
import tempfile
import time
from pathlib import Path

from backend.auth.organizations import bind_organization
from backend.azdo import build_connector
from backend.azdo.client import BATCH_LIMIT
from backend.config import Settings
from backend.devtools.ado_emulator.app import create_emulator
from backend.devtools.ado_emulator.server import EmulatorServer
from backend.devtools.ado_emulator.state import EmulatorState
from backend.outbox.handlers import HandlerContext, refresh_linked
from backend.reports import service
from backend.storage import Storage, open_storage

ORG, ORG_ID, PROJECT = "benchorg", "bench-org-id", "Bench"


def seed(state: EmulatorState, storage: Storage, count: int) -> None:
    """Create `count` bugs in the emulator and one linked report group per bug in the database."""
    project_id = state.add_project(PROJECT)
    title = [{"op": "add", "path": "/fields/System.Title", "value": "Bench bug"}]
    ids = [int(state.create(PROJECT, "Bug", title, "http://127.0.0.1")["id"]) for _ in range(count)]
    with storage.transaction() as tx:
        bind_organization(tx, ORG_ID, ORG, None)
        service.ensure_project(tx, ORG_ID, project_id, PROJECT)
        for n, work_item_id in enumerate(ids):
            data = {"title": f"Bench report {n}", "customerId": f"c{n}"}
            service.create_report(tx, org_id=ORG_ID, project_id=project_id, data=data, key_id=None)
            group = tx.query_one("SELECT id FROM report_groups WHERE title = :t", {"t": data["title"]})
            assert group is not None
            service.link_group_to_work_item(tx, ORG_ID, group["id"], work_item_id)


def resolve_some(state: EmulatorState, every: int) -> int:
    """Resolve every n-th item in the emulator (as users would in Boards); return how many."""
    changed = 0
    with state.lock:
        for item_id in list(state.work_items)[::every]:
            state.update(item_id, [{"op": "add", "path": "/fields/System.State", "value": "Resolved"}], "")
            changed += 1
    return changed


def main() -> None:
    """Seed, refresh `--runs` times, print calls and wall time."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one access-log line per call is noise here
    pat = secrets.token_urlsafe(24)  # generated per run, never stored
    state = EmulatorState(organization=ORG, organization_id=ORG_ID, pat=pat)  # connectionData reports ORG_ID
    server = EmulatorServer(create_emulator(state)).start()
    with tempfile.TemporaryDirectory() as tmp:
        storage = open_storage(Path(tmp) / "bench.db")
        storage.upgrade()
        try:
            seed(state, storage, args.items)
            settings = Settings(
                extension_secret=secrets.token_urlsafe(32),
                database=Path(tmp) / "bench.db",
                azdo_org_urls=(f"{server.url}/{ORG}",),
                azdo_auth_mode="pat",
                azdo_pat=pat,
            )
            ctx = HandlerContext(storage, build_connector(settings))
            report(state, ctx, args.items, args.runs)
        finally:
            storage.close()
            server.stop()


def report(state: EmulatorState, ctx: HandlerContext, items: int, runs: int) -> None:
    """Run the measured refreshes and print the figures."""
    calls, seconds = [], []
    for run in range(runs):
        if run == runs - 1:
            resolved = resolve_some(state, 10)  # the last run also carries state changes
        with state.lock:
            state.requests.clear()
        start = time.perf_counter()
        asked, found = refresh_linked(ctx, ORG_ID)
        seconds.append(time.perf_counter() - start)
        calls.append(sum(state.requests.values()))
        assert asked == found == items, (asked, found)
    with ctx.storage.snapshot() as tx:
        row = tx.query_one("SELECT count(*) AS n FROM report_groups WHERE status = 'resolved'")
    target = math.ceil(items / BATCH_LIMIT)
    print(f"linked work items refreshed : {items}")
    print(
        f"REST calls per refresh      : {statistics.median(calls):.0f} "
        f"(target {target}; ratio {calls[-1] / target:.2f})"
    )
    print(
        f"wall time per refresh       : median {statistics.median(seconds) * 1000:.0f} ms, "
        f"min {min(seconds) * 1000:.0f} ms over {runs} runs"
    )
    print(f"items per second            : {items / statistics.median(seconds):,.0f}")
    print(
        f"groups resolved by the last refresh: {row['n'] if row else 0} "
        f"(items resolved in Boards: {resolved})"
    )


if __name__ == "__main__":
    main()
