// Hub "Customer reports" (Boards): the project's reports with search, status filter, paging and triage.
import { Button } from "azure-devops-ui/Button";
import { Dropdown } from "azure-devops-ui/Dropdown";
import { IListBoxItem } from "azure-devops-ui/ListBox";
import { MessageCard, MessageCardSeverity } from "azure-devops-ui/MessageCard";
import { TextField } from "azure-devops-ui/TextField";
import { DropdownSelection } from "azure-devops-ui/Utilities/DropdownSelection";
import * as React from "react";

import { Me, Report, ReportPage, STATUSES } from "../shared/model";
import {
  BackendError,
  backendFetch,
  describeError,
  fetchMe,
  loadPageInfo,
  PageInfo,
  reportFailed,
  reportLoaded,
  resizeToContent,
  startSdk,
} from "../shared/sdk";
import { Empty, ErrorState, Loading, mount } from "../shared/states";
import { ReportsTable, RowActions } from "./table";

const PAGE_SIZE = 10;
const BUG_POLL_MS = 1500;
const BUG_POLL_LIMIT = 40;
// Shown while the backend says it has no Azure DevOps connection for this organization (GET /me).
export const CREATE_BUG_UNAVAILABLE =
  "Creating bugs needs an Azure DevOps connection for this organization. Ask your Report Bridge administrator to configure one.";
const NOT_CONFIGURED = "azure_devops_not_configured";
// The reports can arrive before /me: the button stays off until the backend has said it can create bugs.
const CREATE_BUG_CHECKING = "Checking whether this organization can create bugs…";

interface State {
  info?: PageInfo;
  loadError?: string;
  loading: boolean;
  search: string;
  query: string;
  status: string;
  cursors: Array<string | null>;
  page?: ReportPage;
  actionError?: string;
  busyId?: string;
  linkingId?: string;
  linkInput: string;
  createBugDisabledReason?: string;
}

const statusItems: IListBoxItem[] = [{ id: "", text: "All statuses" }, ...STATUSES.map((s) => ({ id: s, text: s }))];

class CustomerReportsHub extends React.Component<{}, State> {
  private readonly statusSelection = new DropdownSelection();
  private pollTimers = new Map<string, number>();
  state: State = {
    loading: true,
    search: "",
    query: "",
    status: "",
    cursors: [null],
    linkInput: "",
    createBugDisabledReason: CREATE_BUG_CHECKING,
  };

  async componentDidMount(): Promise<void> {
    this.statusSelection.select(0);
    try {
      const info = await loadPageInfo();
      this.setState({ info });
      // /me usually answers before the first page: applied on its own, it re-renders the page without
      // the table instead of the table a second time (React 16 renders each setState here at once).
      const me = fetchMe(info).then((answer) => this.setState({ createBugDisabledReason: createBugReason(answer) }));
      await Promise.all([me, this.fetchPage(info, [null], "", "")]);
      await reportLoaded();
    } catch (error) {
      this.setState({ loading: false, loadError: describeError(error) });
      reportFailed(error);
    }
  }

  componentWillUnmount(): void {
    this.pollTimers.forEach((t) => window.clearTimeout(t));
  }

  componentDidUpdate(): void {
    resizeToContent();
  }

  private async fetchPage(info: PageInfo, cursors: Array<string | null>, query: string, status: string) {
    this.setState({ loading: true, actionError: undefined });
    const params = new URLSearchParams({ limit: String(PAGE_SIZE) });
    if (query) params.set("q", query);
    if (status) params.set("status", status);
    const cursor = cursors[cursors.length - 1];
    if (cursor) params.set("cursor", cursor);
    const page = await backendFetch<ReportPage>(info, `/reports?${params.toString()}`);
    this.setState({ page, cursors, query, status, loading: false, loadError: undefined });
    page.items.filter((r) => r.bugPending).forEach((r) => this.pollBug(r.id, 0));
  }

  private reload = async (cursors: Array<string | null>, query: string, status: string) => {
    const { info } = this.state;
    if (!info) return;
    try {
      await this.fetchPage(info, cursors, query, status);
    } catch (error) {
      this.setState({ loading: false, loadError: describeError(error) });
      reportFailed(error);
    }
  };

  private replaceReport(updated: Report): void {
    const { page } = this.state;
    if (!page) return;
    const items = page.items.map((r) => (r.id === updated.id || r.groupId === updated.groupId ? { ...r, ...pickGroup(updated, r) } : r));
    this.setState({ page: { ...page, items } });
  }

  private async act(report: Report, action: string, body?: unknown): Promise<Report | undefined> {
    const { info } = this.state;
    if (!info) return undefined;
    this.setState({ busyId: report.id, actionError: undefined });
    try {
      const updated = await backendFetch<Report>(info, `/reports/${encodeURIComponent(report.id)}/${action}`, {
        method: "POST",
        body: body ?? {},
      });
      this.replaceReport(updated);
      return updated;
    } catch (error) {
      // The connection went away since the page loaded: say so, and keep the button off from now on.
      if (error instanceof BackendError && error.code === NOT_CONFIGURED) {
        this.setState({ createBugDisabledReason: CREATE_BUG_UNAVAILABLE });
      }
      this.setState({ actionError: describeError(error) });
      return undefined;
    } finally {
      this.setState({ busyId: undefined });
    }
  }

  private pollBug(reportId: string, attempt: number): void {
    const { info } = this.state;
    if (!info || attempt >= BUG_POLL_LIMIT || this.pollTimers.has(reportId)) return;
    const timer = window.setTimeout(async () => {
      this.pollTimers.delete(reportId);
      try {
        const report = await backendFetch<Report>(info, `/reports/${encodeURIComponent(reportId)}`);
        this.replaceReport(report);
        if (report.bugPending) this.pollBug(reportId, attempt + 1);
      } catch (error) {
        this.setState({ actionError: describeError(error) });
      }
    }, BUG_POLL_MS);
    this.pollTimers.set(reportId, timer);
  }

  private actions: RowActions = {
    startLink: (r) => this.setState({ linkingId: r.id, linkInput: r.workItem ? String(r.workItem.id) : "" }),
    dismiss: (r) => void this.act(r, "dismiss", {}),
    reopen: (r) => void this.act(r, "reopen"),
    unlink: (r) => void this.act(r, "unlink"),
    createBug: async (r) => {
      const updated = await this.act(r, "create-bug");
      if (updated?.bugPending) this.pollBug(updated.id, 0);
    },
  };

  private submitLink = async () => {
    const report = this.state.page?.items.find((r) => r.id === this.state.linkingId);
    const id = Number(this.state.linkInput.trim());
    if (!report) return;
    if (!Number.isInteger(id) || id <= 0) {
      this.setState({ actionError: "Enter a work item id: a whole number greater than 0." });
      return;
    }
    if (await this.act(report, "link", { workItemId: id })) this.setState({ linkingId: undefined, linkInput: "" });
  };

  render(): React.ReactElement {
    const s = this.state;
    return (
      <div className="rb-page rb-stack">
        <div className="rb-row" style={{ justifyContent: "space-between" }}>
          <h1 className="title-m" style={{ margin: 0 }}>Customer reports</h1>
          {s.info && <span className="rb-muted">{s.info.projectName}</span>}
        </div>
        {this.renderFilters()}
        {s.actionError && (
          <MessageCard severity={MessageCardSeverity.Error} onDismiss={() => this.setState({ actionError: undefined })}>
            <span data-testid="action-error">{s.actionError}</span>
          </MessageCard>
        )}
        {this.renderLinkForm()}
        {this.renderBody()}
      </div>
    );
  }

  private renderFilters(): React.ReactElement {
    const s = this.state;
    const apply = () => void this.reload([null], s.search.trim(), s.status);
    return (
      <div className="rb-row">
        <div style={{ width: 280 }}>
          <TextField
            value={s.search}
            placeholder="Search title, customer or text"
            ariaLabel="Search reports"
            inputId="report-search"
            onChange={(_e, value) => this.setState({ search: value })}
            onKeyDown={(e) => e.key === "Enter" && apply()}
          />
        </div>
        <Button text="Search" onClick={apply} />
        <div style={{ width: 160 }}>
          <Dropdown
            ariaLabel="Status"
            className="rb-status-filter"
            items={statusItems}
            selection={this.statusSelection}
            onSelect={(_e, item) => void this.reload([null], s.query, item.id)}
          />
        </div>
      </div>
    );
  }

  private renderLinkForm(): React.ReactElement | null {
    const s = this.state;
    const report = s.page?.items.find((r) => r.id === s.linkingId);
    if (!report) return null;
    return (
      <div className="rb-row" data-testid="link-form">
        <span>Link “{report.title}” to work item</span>
        <div style={{ width: 120 }}>
          <TextField
            value={s.linkInput}
            inputId="link-work-item-id"
            ariaLabel="Work item id"
            placeholder="Id"
            onChange={(_e, value) => this.setState({ linkInput: value })}
            onKeyDown={(e) => e.key === "Enter" && void this.submitLink()}
          />
        </div>
        <Button text="Link" primary disabled={s.busyId === report.id} onClick={() => void this.submitLink()} />
        <Button text="Cancel" subtle onClick={() => this.setState({ linkingId: undefined })} />
      </div>
    );
  }

  private renderBody(): React.ReactElement {
    const s = this.state;
    if (s.loadError) {
      return <ErrorState message={s.loadError} onRetry={() => void this.reload(s.cursors, s.query, s.status)} />;
    }
    if (!s.page) return <Loading label="Loading customer reports…" />;
    const pageNumber = s.cursors.length;
    return (
      <div className="rb-stack">
        {s.page.items.length === 0 ? (
          <Empty message={s.query || s.status ? "No reports match these filters." : "No customer reports in this project yet."} />
        ) : (
          <ReportsTable items={s.page.items} actions={this.actions} busyId={s.busyId} createBugDisabledReason={s.createBugDisabledReason} />
        )}
        <div className="rb-row">
          <Button
            text="Previous"
            disabled={pageNumber <= 1 || s.loading}
            onClick={() => void this.reload(s.cursors.slice(0, -1), s.query, s.status)}
          />
          <span className="rb-muted" data-testid="page-number">Page {pageNumber}</span>
          <Button
            text="Next"
            disabled={!s.page.nextCursor || s.loading}
            onClick={() => void this.reload([...s.cursors, s.page?.nextCursor ?? null], s.query, s.status)}
          />
          {s.loading && <span className="rb-muted">Loading…</span>}
        </div>
      </div>
    );
  }
}

/** Why "Create bug" is off, or undefined when the backend says it can create bugs here. */
function createBugReason(me: Me): string | undefined {
  return me.capabilities?.createBug === true ? undefined : CREATE_BUG_UNAVAILABLE;
}

/** Fields that live on the group, copied to every row of the same group after an action. */
function pickGroup(updated: Report, row: Report): Partial<Report> {
  if (updated.id === row.id) return updated;
  return { status: updated.status, workItem: updated.workItem, bugPending: updated.bugPending };
}

void startSdk();
mount(<CustomerReportsHub />);
