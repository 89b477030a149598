"""Demo data for the local dev host: realistic reports in one project (idempotent, nothing secret)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from backend.auth.organizations import bind_organization
from backend.reports import service
from backend.storage import Storage, Tx, format_time

# (title, source, severity, status, work item, [(customer id, name, age in minutes), ...])
_GROUPS: list[tuple[str, str, str, str, int | None, list[tuple[str, str, int]]]] = [
    ("Checkout fails with error 500 when applying a coupon", "web", "critical", "linked", 101,
     [("c-1001", "Contoso Ltd", 14 * 1440), ("c-1002", "Fabrikam Inc", 9 * 1440),
      ("c-1003", "Northwind Traders", 3 * 1440), ("c-1001", "Contoso Ltd", 2 * 1440)]),
    ("Invoice PDF shows the wrong currency symbol", "email", "medium", "linked", 102,
     [("c-1004", "Adventure Works", 20 * 1440), ("c-1005", "Tailspin Toys", 6 * 1440)]),
    ("Mobile app crashes on login with SSO", "mobile", "high", "resolved", 103,
     [("c-1006", "Wide World Importers", 21 * 1440), ("c-1007", "Litware", 18 * 1440),
      ("c-1008", "Proseware", 15 * 1440)]),
    ("Export to CSV drops rows with non-ASCII names", "support-portal", "medium", "new", None,
     [("c-1009", "Alpine Ski House", 45), ("c-1010", "Coho Winery", 3 * 60),
      ("c-1002", "Fabrikam Inc", 26 * 60)]),
    ("Dashboard takes more than 30 seconds to load", "web", "high", "new", None,
     [("c-1011", "Lamna Healthcare", 12), ("c-1012", "Trey Research", 5 * 60)]),
    ("Password reset email never arrives", "email", "high", "linked", 104,
     [("c-1013", "Woodgrove Bank", 4 * 1440), ("c-1014", "Relecloud", 2 * 1440),
      ("c-1003", "Northwind Traders", 1440)]),
    ("Typo on the pricing page", "web", "low", "dismissed", None,
     [("c-1015", "Bellows College", 10 * 1440)]),
    ("Search ignores filters after paging", "web", "medium", "new", None,
     [("c-1016", "First Up Consultants", 7 * 1440), ("c-1017", "VanArsdel Ltd", 90)]),
    ("Webhook retries flood our endpoint", "api", "critical", "linked", 105,
     [("c-1018", "Humongous Insurance", 8 * 1440), ("c-1019", "Margie's Travel", 5 * 1440),
      ("c-1020", "Consolidated Messenger", 36 * 60)]),
    ("Dark mode makes chart labels unreadable", "mobile", "low", "new", None,
     [("c-1021", "Blue Yonder Airlines", 3), ("c-1022", "Fourth Coffee", 8 * 60)]),
]



@dataclass(frozen=True)
class DemoWorkItem:
    """A work item the demo's reports link to (the local host's work item form opens the same ones)."""

    id: int
    title: str
    state: str
    work_item_type: str = "Bug"
    assigned_to: str = ""
    priority: int = 2


# The one list of demo work items: seeded into the backend's work_items and served by the local host.
DEMO_WORK_ITEMS: tuple[DemoWorkItem, ...] = (
    DemoWorkItem(
        101, "Coupon checkout returns HTTP 500", "Active", assigned_to="ada@contoso.example", priority=1
    ),
    DemoWorkItem(102, "Invoice currency symbol taken from browser locale", "New"),
    DemoWorkItem(103, "SSO login crash on iOS 18", "Resolved", assigned_to="grace@contoso.example"),
    DemoWorkItem(104, "Password reset mails rejected by SPF", "Active", priority=1),
    DemoWorkItem(105, "Webhook retry storm without backoff", "Active", assigned_to="ada@contoso.example"),
)


def seed_demo_data(
    storage: Storage, *, org_id: str, org_name: str, tenant_id: str, project_id: str, project_name: str
) -> None:
    """Seed ~25 reports in ~10 groups with mixed statuses; do nothing if the project has reports."""
    with storage.transaction() as tx:
        bind_organization(tx, org_id, org_name, tenant_id, verified=True)  # the operator seeds it
        service.ensure_project(tx, org_id, project_id, project_name)
        existing = tx.query_one(
            "SELECT 1 AS present FROM reports WHERE org_id = :org AND project_id = :project LIMIT 1",
            {"org": org_id, "project": project_id},
        )
        if existing is not None:
            return
        now = datetime.now(UTC)
        for index, group in enumerate(_GROUPS):
            _seed_group(tx, org_id, project_id, now, index, group)
        _seed_work_items(tx, org_id, org_name, now)


def _seed_group(
    tx: Tx,
    org_id: str,
    project_id: str,
    now: datetime,
    index: int,
    group: tuple[str, str, str, str, int | None, list[tuple[str, str, int]]],
) -> None:
    title, source, severity, status, work_item, customers = group
    report_ids = []
    for number, (customer_id, customer_name, minutes) in enumerate(sorted(customers, key=lambda c: -c[2])):
        data = {
            "title": title, "source": source, "severity": severity, "customerId": customer_id,
            "customerName": customer_name, "externalId": f"TKT-{4100 + index * 10 + number}",
            "description": f"{customer_name} reported: {title.lower()}.",
            "link": f"https://support.example.com/tickets/TKT-{4100 + index * 10 + number}",
        }
        created = format_time(now - timedelta(minutes=minutes))
        report_ids.append(service.create_report(tx, org_id=org_id, project_id=project_id, data=data,
                                                key_id=None, now=created))
    group_row = service.group_of_report(tx, org_id, project_id, report_ids[0])
    if work_item is not None:
        service.link(tx, group_row, work_item)
        if status == "resolved":
            service.resolve_groups_for_work_item(tx, org_id, work_item)
    elif status == "dismissed":
        service.dismiss(tx, group_row, "Cosmetic; tracked in the content backlog.")


def _seed_work_items(tx: Tx, org_id: str, org_name: str, now: datetime) -> None:
    for item in DEMO_WORK_ITEMS:
        tx.execute(
            "INSERT INTO work_items (org_id, work_item_id, title, state, url, updated_at) "
            "VALUES (:org, :wid, :title, :state, :url, :now) ON CONFLICT (org_id, work_item_id) DO NOTHING",
            {"org": org_id, "wid": item.id, "title": item.title, "state": item.state, "now": format_time(now),
             "url": f"https://dev.azure.com/{org_name or org_id}/_workitems/edit/{item.id}"},
        )
