// The hub's per-report view: one row per report (its group's triage state and actions on each row).
import { ITableColumn, Table } from "azure-devops-ui/Table";
import { ArrayItemProvider } from "azure-devops-ui/Utilities/Provider";
import * as React from "react";

import { Report } from "../shared/model";
import { plural } from "../shared/words";
import { cell, SeverityPill, ShortDate, StatusText, TriageActions, triageMenu, Triageable, WorkItemCell } from "./cells";
import { ExternalId } from "./group-table";
import { moreColumn } from "./more-column";
import { useNarrowFrame } from "./narrow";
import { useTabStopOnFocusedRow } from "./row-focus";

interface Props {
  items: Report[];
  actions: TriageActions;
  createBugDisabledReason?: string;
}

export function reportTarget(report: Report): Triageable {
  return {
    groupId: report.groupId,
    title: report.title,
    status: report.status,
    workItem: report.workItem,
    bugPending: !!report.bugPending,
  };
}

/** Render the reports as an Azure DevOps table. */
export function ReportsTable(props: Props): React.ReactElement {
  const of = (render: (r: Report) => React.ReactNode) => cell<Report>(render, (r) => r.id, "data-report-id");
  const onFocus = useTabStopOnFocusedRow<Report>();
  const more = moreColumn<Report>((r) => triageMenu(reportTarget(r), props.actions, props.createBugDisabledReason));
  const columns: Array<ITableColumn<Report>> = useNarrowFrame() ? [
    // A narrow frame: the report with its facts under it, and the "…" menu (narrow.ts).
    { id: "title", name: "Report", width: -100, minWidth: 0, renderCell: of(renderNarrow) },
    more,
  ] : [
    { id: "title", name: "Report", width: -100, minWidth: 170, renderCell: of(renderTitle) },
    { id: "customers", name: "Customers", width: 78, renderCell: of((r) => <span>{r.customersAffected}</span>) },
    { id: "reported", name: "Reported", width: 118, renderCell: of((r) => <ShortDate iso={r.createdAt} />) },
    { id: "severity", name: "Severity", width: 78, renderCell: of((r) => <SeverityPill severity={r.severity} />) },
    { id: "status", name: "Status", width: 84, renderCell: of((r) => <StatusText status={r.status} />) },
    { id: "workItem", name: "Work item", width: 100, renderCell: of((r) => <WorkItemCell target={reportTarget(r)} />) },
    more,
  ];
  return (
    <div className="rb-table" data-testid="reports-table">
      <Table<Report> ariaLabel="Customer reports" columns={columns} itemProvider={new ArrayItemProvider(props.items)}
        onFocus={onFocus} />
    </div>
  );
}

function renderTitle(report: Report): React.ReactNode {
  return (
    <div className="flex-column" style={{ minWidth: 0 }}>
      <span className="rb-title-text" data-testid="report-title" title={report.title}>{report.title}</span>
      <span className="rb-muted rb-small rb-row" style={{ gap: 6, flexWrap: "nowrap", minWidth: 0 }}>
        <span className="text-ellipsis">{report.customerName || report.customerId}{report.source ? ` · ${report.source}` : ""}</span>
        {report.externalId && <ExternalId report={report} />}
      </span>
    </div>
  );
}

function renderNarrow(report: Report): React.ReactNode {
  return (
    <div className="flex-column" style={{ minWidth: 0 }}>
      {renderTitle(report)}
      <div className="rb-row rb-small rb-facts">
        <span>{plural(report.customersAffected, "customer")}</span>
        <ShortDate iso={report.createdAt} />
        <SeverityPill severity={report.severity} />
        <StatusText status={report.status} />
        {(report.workItem || report.bugPending) && <WorkItemCell target={reportTarget(report)} />}
      </div>
    </div>
  );
}
