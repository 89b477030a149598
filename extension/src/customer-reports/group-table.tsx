// The hub's default view: one row per problem (report group), expandable to the reports behind it.
import { Button } from "azure-devops-ui/Button";
import { Icon, IconSize } from "azure-devops-ui/Icon";
import { Spinner, SpinnerSize } from "azure-devops-ui/Spinner";
import { ITableColumn, ITableRowDetails, Table, TableRow } from "azure-devops-ui/Table";
import { ArrayItemProvider } from "azure-devops-ui/Utilities/Provider";
import * as React from "react";

import { Group, Report } from "../shared/model";
import { noun, plural } from "../shared/words";
import { cell, RowButton, RowLink, SeverityPill, ShortDate, StatusText, TriageActions, triageMenu, Triageable, WorkItemCell } from "./cells";
import { moreColumn } from "./more-column";
import { useNarrowFrame } from "./narrow";
import { useTabStopOnFocusedRow } from "./row-focus";

/** The reports of an expanded group, as far as they have been read. */
export interface Expansion {
  reports: Report[];
  nextCursor: string | null;
  loading: boolean;
  error?: string;
}

interface Props {
  groups: Group[];
  expanded: Record<string, Expansion>;
  actions: TriageActions;
  createBugDisabledReason?: string;
  currentReportId?: string; // the report a deep link named: highlighted and focused
  toggle(group: Group): void;
  more(group: Group): void;
}

type GroupRow = { kind: "group"; group: Group };
type ReportsRow = { kind: "reports"; group: Group; expansion: Expansion; renderRow: RowRenderer };
type Row = GroupRow | ReportsRow;
type RowRenderer = (index: number, item: Row, details: ITableRowDetails<Row>) => JSX.Element;

export function asTriageable(group: Group): Triageable {
  return { groupId: group.id, title: group.title, status: group.status, workItem: group.workItem, bugPending: group.bugPending };
}

/** Render the groups as an Azure DevOps table whose rows open onto their reports. */
export function GroupsTable(props: Props): React.ReactElement {
  const columns = useNarrowFrame() ? narrowGroupColumns(props) : groupColumns(props);
  const onFocus = useTabStopOnFocusedRow<Row>();
  const rows: Row[] = [];
  for (const group of props.groups) {
    rows.push({ kind: "group", group });
    const expansion = props.expanded[group.id];
    if (expansion) rows.push({ kind: "reports", group, expansion, renderRow: reportsRow(columns.length, props) });
  }
  return (
    <div className="rb-table" data-testid="groups-table">
      <Table<Row>
        ariaLabel="Customer problems"
        columns={columns}
        itemProvider={new ArrayItemProvider(rows)}
        onFocus={onFocus}
        onActivate={(_e, row) => row.data.kind === "group" && props.toggle(row.data.group)}
      />
    </div>
  );
}

function groupColumns(props: Props): Array<ITableColumn<Row>> {
  const of = (render: (g: Group) => React.ReactNode) => cell<Row>((row) => render(row.group), (row) => row.group.id, "data-group-id");
  return [
    { id: "title", name: "Problem", width: -100, minWidth: 180, renderCell: of((g) => <TitleCell group={g} props={props} />) },
    { id: "customers", name: "Customers", width: 78, renderCell: of((g) => <span data-testid="customers">{g.customersAffected}</span>) },
    { id: "reports", name: "Reports", width: 64, renderCell: of((g) => <span data-testid="report-count">{g.reportCount}</span>) },
    { id: "reported", name: "Reported", width: 118, renderCell: of(ReportedCell) },
    { id: "severity", name: "Severity", width: 78, renderCell: of((g) => <SeverityPill severity={g.severity} />) },
    { id: "status", name: "Status", width: 84, renderCell: of((g) => <StatusText status={g.status} />) },
    { id: "workItem", name: "Work item", width: 100, renderCell: of((g) => <WorkItemCell target={asTriageable(g)} />) },
    moreColumn<Row>((row) => triageMenu(asTriageable(row.group), props.actions, props.createBugDisabledReason)),
  ];
}

/** A narrow frame's columns: the problem with its facts under its title, and the "…" menu (narrow.ts). */
function narrowGroupColumns(props: Props): Array<ITableColumn<Row>> {
  const of = (render: (g: Group) => React.ReactNode) => cell<Row>((row) => render(row.group), (row) => row.group.id, "data-group-id");
  const facts = (g: Group) => (
    <div className="flex-column" style={{ minWidth: 0 }}>
      <TitleCell group={g} props={props} />
      <div className="rb-row rb-small rb-facts">
        <span><span data-testid="customers">{g.customersAffected}</span> {noun(g.customersAffected, "customer")}</span>
        <span><span data-testid="report-count">{g.reportCount}</span> {noun(g.reportCount, "report")}</span>
        <SeverityPill severity={g.severity} />
        <StatusText status={g.status} />
        {(g.workItem || g.bugPending) && <WorkItemCell target={asTriageable(g)} />}
        {ReportedCell(g)}
      </div>
    </div>
  );
  return [
    { id: "title", name: "Problem", width: -100, minWidth: 0, renderCell: of(facts) },
    moreColumn<Row>((row) => triageMenu(asTriageable(row.group), props.actions, props.createBugDisabledReason)),
  ];
}

function TitleCell(p: { group: Group; props: Props }): React.ReactElement {
  const { group, props } = p;
  const open = !!props.expanded[group.id];
  const count = plural(group.reportCount, "report");
  return (
    <div className="rb-row rb-title-cell">
      <RowButton className="rb-expand" label={`${open ? "Hide" : "Show"} the ${count} of “${group.title}”`}
        expanded={open} onClick={() => props.toggle(group)}>
        {Icon({ iconName: open ? "ChevronDown" : "ChevronRight", size: IconSize.medium, className: "left-icon" })}
      </RowButton>
      <span className="rb-title-text" data-testid="group-title" title={group.title}>{group.title}</span>
    </div>
  );
}

function ReportedCell(group: Group): React.ReactNode {
  return (
    <div className="flex-column">
      <ShortDate iso={group.newestReportAt} />
      {group.reportCount > 1 && (
        <span className="rb-muted rb-small"><ShortDate iso={group.oldestReportAt} label="since" dateOnly /></span>
      )}
    </div>
  );
}

function reportsRow(columnCount: number, props: Props): RowRenderer {
  return (index, row, details) => {
    const { group, expansion } = row as ReportsRow;
    return (
      <TableRow<Row> key={`reports-${group.id}`} index={index} details={details} className="rb-reports-row">
        <td colSpan={columnCount} className="bolt-table-cell bolt-list-cell" data-reports-of={group.id}>
          <ReportList group={group} expansion={expansion} current={props.currentReportId} more={() => props.more(group)} />
        </td>
      </TableRow>
    );
  };
}

/**
 * A group's reports. "Show more reports" stays mounted while its read is on its way, and once the
 * reports are in, focus moves to the first new one: unmounted (as it was while loading), the button took
 * the keyboard focus with it to the page's body, and the user had to start again from the first control.
 */
function ReportList(p: { group: Group; expansion: Expansion; current?: string; more(): void }): React.ReactElement {
  const { expansion } = p;
  const list = React.useRef<HTMLUListElement>(null);
  const firstNew = React.useRef<number | null>(null); // the index to focus once "more" has answered
  React.useEffect(() => {
    if (firstNew.current === null || expansion.loading) return;
    const item = list.current?.children[firstNew.current];
    firstNew.current = null;
    if (item instanceof HTMLElement) item.focus();
  }, [expansion]);
  const more = () => {
    if (expansion.loading) return;
    firstNew.current = expansion.reports.length;
    p.more();
  };
  return (
    <div className="rb-report-list">
      <ul aria-label={`Reports of “${p.group.title}”`} ref={list}>
        {expansion.reports.map((r) => <ReportLine key={r.id} report={r} current={r.id === p.current} />)}
      </ul>
      {expansion.loading && <span className="rb-row"><Spinner size={SpinnerSize.xSmall} /> Loading reports…</span>}
      {expansion.error && <span className="rb-error" role="alert">{expansion.error}</span>}
      {expansion.nextCursor && (
        <Button text="Show more reports" subtle excludeTabStop onClick={more} />
      )}
    </div>
  );
}

function ReportLine(p: { report: Report; current: boolean }): React.ReactElement {
  const r = p.report;
  const ref = React.useRef<HTMLLIElement>(null);
  const { current } = p;
  React.useEffect(() => {
    if (current) ref.current?.focus(); // the user came for this report: start there
  }, [current]);
  return (
    <li data-report-id={r.id} ref={ref} className={current ? "rb-report-current" : undefined}
      aria-current={current ? "true" : undefined} tabIndex={-1}>
      <div className="rb-row rb-report-head">
        <strong data-testid="report-customer">{r.customerName || r.customerId}</strong>
        {r.source && <span className="rb-muted">{r.source}</span>}
        {r.externalId && <ExternalId report={r} />}
        <span className="rb-muted"><ShortDate iso={r.createdAt} /></span>
      </div>
      {r.description && <div className="rb-description" data-testid="report-description">{r.description}</div>}
    </li>
  );
}

/** The customer's ticket id, linked to the original ticket when the report has its address. */
export function ExternalId(p: { report: Report }): React.ReactElement {
  const r = p.report;
  if (!r.link) return <span data-testid="external-id">{r.externalId}</span>;
  return (
    <span data-testid="external-id">
      <RowLink href={r.link} label={`Ticket ${r.externalId ?? ""} (opens the original ticket in a new tab)`}>
        {r.externalId || "Original ticket"}
      </RowLink>
    </span>
  );
}
