// The reports table of the hub: one row per report, triage actions in the last column.
import { Button } from "azure-devops-ui/Button";
import { Pill, PillSize, PillVariant } from "azure-devops-ui/Pill";
import { Spinner, SpinnerSize } from "azure-devops-ui/Spinner";
import { ITableColumn, SimpleTableCell, Table } from "azure-devops-ui/Table";
import { Tooltip } from "azure-devops-ui/TooltipEx";
import { ArrayItemProvider } from "azure-devops-ui/Utilities/Provider";
import * as React from "react";

import { Report } from "../shared/model";
import { formatDate } from "../shared/states";

/** What a row's buttons do; the hub owns the calls. */
export interface RowActions {
  startLink(report: Report): void;
  dismiss(report: Report): void;
  reopen(report: Report): void;
  unlink(report: Report): void;
  createBug(report: Report): void;
}

interface Props {
  items: Report[];
  actions: RowActions;
  busyId?: string;
  createBugDisabledReason?: string;
}

const SEVERITY_COLORS = {
  low: { red: 0, green: 120, blue: 212 },
  medium: { red: 214, green: 127, blue: 60 },
  high: { red: 205, green: 74, blue: 69 },
  critical: { red: 168, green: 0, blue: 0 },
};

/** Render the reports as an Azure DevOps table. */
export function ReportsTable(props: Props): React.ReactElement {
  const columns: Array<ITableColumn<Report>> = [
    { id: "title", name: "Report", width: -34, renderCell: cell(renderTitle) },
    { id: "customers", name: "Customers", width: -8, renderCell: cell((r) => <span>{r.customersAffected}</span>) },
    { id: "severity", name: "Severity", width: -10, renderCell: cell(renderSeverity) },
    { id: "status", name: "Status", width: -10, renderCell: cell((r) => <span data-testid="status">{r.status}</span>) },
    { id: "workItem", name: "Work item", width: -14, renderCell: cell(renderWorkItem) },
    { id: "updated", name: "Updated", width: -16, renderCell: cell((r) => <span className="rb-muted">{formatDate(r.updatedAt)}</span>) },
    { id: "actions", name: "Actions", width: -26, renderCell: cell((r) => <ActionsCell report={r} {...props} />) },
  ];
  return (
    <div className="rb-reports-table">
      <Table<Report> ariaLabel="Customer reports" columns={columns} itemProvider={new ArrayItemProvider(props.items)} role="table" />
    </div>
  );
}

function cell(render: (report: Report) => React.ReactNode) {
  return (rowIndex: number, columnIndex: number, column: ITableColumn<Report>, report: Report) => (
    <SimpleTableCell key={`${column.id}-${rowIndex}`} columnIndex={columnIndex} tableColumn={column}>
      <div data-report-id={report.id} data-column={column.id} style={{ minWidth: 0 }}>
        {render(report)}
      </div>
    </SimpleTableCell>
  );
}

function renderTitle(report: Report): React.ReactNode {
  const extra = report.reportCount > 1 ? ` · ${report.reportCount} reports` : "";
  return (
    <div className="flex-column" style={{ minWidth: 0 }}>
      <span className="text-ellipsis" data-testid="report-title" title={report.title}>{report.title}</span>
      <span className="rb-muted text-ellipsis" style={{ fontSize: 12 }}>
        {report.customerName || report.customerId} · {report.source}{extra}
      </span>
    </div>
  );
}

function renderSeverity(report: Report): React.ReactNode {
  return (
    <Pill size={PillSize.compact} variant={PillVariant.colored} color={SEVERITY_COLORS[report.severity]}>
      {report.severity}
    </Pill>
  );
}

function renderWorkItem(report: Report): React.ReactNode {
  if (report.bugPending) {
    return (
      <span className="rb-row" data-testid="bug-pending">
        <Spinner size={SpinnerSize.xSmall} /> Creating bug…
      </span>
    );
  }
  if (!report.workItem) return <span className="rb-muted">—</span>;
  return (
    <a href={report.workItem.url} target="_blank" rel="noopener noreferrer" data-testid="work-item">
      #{report.workItem.id} · {report.workItem.state}
    </a>
  );
}

function ActionsCell(props: Props & { report: Report }): React.ReactElement {
  const { report, actions, busyId, createBugDisabledReason } = props;
  const busy = busyId === report.id;
  const open = report.status === "new";
  return (
    <div className="rb-row" style={{ gap: 4 }}>
      {open && <Button text="Link" subtle disabled={busy} onClick={() => actions.startLink(report)} />}
      {open && <Button text="Dismiss" subtle disabled={busy} onClick={() => actions.dismiss(report)} />}
      {report.status === "linked" && <Button text="Unlink" subtle disabled={busy} onClick={() => actions.unlink(report)} />}
      {(report.status === "dismissed" || report.status === "resolved") && (
        <Button text="Reopen" subtle disabled={busy} onClick={() => actions.reopen(report)} />
      )}
      {open && (
        // A disabled button gets no pointer events, so the tooltip hangs on a wrapper around it.
        <Tooltip text={createBugDisabledReason} disabled={!createBugDisabledReason}>
          <span data-testid="create-bug-wrapper" data-disabled-reason={createBugDisabledReason}>
            <Button
              text="Create bug"
              subtle
              disabled={busy || !!createBugDisabledReason || report.bugPending}
              onClick={() => actions.createBug(report)}
            />
          </span>
        </Tooltip>
      )}
    </div>
  );
}
