// Hub "Customer reports" (Boards): one row per problem (report group) by default, its reports one click
// (or Enter) away, a per-report view one tab away; search, status filter, sort, paging and triage.
//
// Every action re-reads the page it changed (so a row that left the status filter leaves the view),
// and a failed first load retries everything the first load does (page info, /me, the page).
import { MessageCard, MessageCardSeverity } from "azure-devops-ui/MessageCard";
import { Tab, TabBar, TabSize } from "azure-devops-ui/Tabs";
import * as React from "react";

import "./customer-reports.css";
import { Group, GroupPage, GroupSort, Me, Report, ReportPage } from "../shared/model";
import { BackendError, backendFetch, describeError, fetchMe, loadPageInfo, PageInfo, reportFailed, reportLoaded, resizeToContent, startSdk } from "../shared/sdk";
import { Empty, ErrorState, Loading, mount } from "../shared/states";
import { Triageable, TriageActions } from "./cells";
import { Filters, LinkForm, Pager } from "./controls";
import { Expansion, GroupsTable } from "./group-table";
import { ReportsTable } from "./table";

const PAGE_SIZE = 10;
const EXPANDED_PAGE = 20;
const BUG_POLL_MS = 1500;
const BUG_POLL_SLOW_MS = 10000; // after a minute the worker may be down: keep asking, less often
const BUG_POLL_FAST = 40;
// Shown while the backend says it has no Azure DevOps connection for this organization (GET /me).
export const CREATE_BUG_UNAVAILABLE =
  "Creating bugs needs an Azure DevOps connection for this organization. Ask your Report Bridge administrator to configure one.";
const NOT_CONFIGURED = "azure_devops_not_configured";
const BUG_PENDING = "bug_pending";
// The page can arrive before /me: Create bug stays off until the backend has said it can create bugs.
const CREATE_BUG_CHECKING = "Checking whether this organization can create bugs…";

type View = "groups" | "reports";

interface State {
  info?: PageInfo;
  loadError?: string;
  loading: boolean;
  view: View;
  sort: GroupSort;
  search: string;
  query: string;
  status: string;
  cursors: Array<string | null>;
  groups?: GroupPage;
  reports?: ReportPage;
  expanded: Record<string, Expansion>;
  actionError?: string;
  linking?: Triageable;
  createBugDisabledReason?: string;
}

class CustomerReportsHub extends React.Component<{}, State> {
  private pollTimers = new Map<string, number>();
  state: State = {
    loading: true, view: "groups", sort: "newest", search: "", query: "", status: "", cursors: [null],
    expanded: {}, createBugDisabledReason: CREATE_BUG_CHECKING,
  };

  componentDidMount(): void {
    void this.load();
  }

  componentWillUnmount(): void {
    this.pollTimers.forEach((t) => window.clearTimeout(t));
  }

  componentDidUpdate(): void {
    resizeToContent();
  }

  /** The first load, and every "Try again" after a failed one: page info, /me and the page, together. */
  private load = async (): Promise<void> => {
    this.setState({ loading: true, loadError: undefined, createBugDisabledReason: CREATE_BUG_CHECKING });
    try {
      const info = this.state.info ?? (await loadPageInfo());
      this.setState({ info });
      // /me usually answers before the first page: applied on its own, it re-renders the page without
      // the table instead of the table a second time (React 16 renders each setState here at once).
      const me = fetchMe(info).then((answer) => this.setState({ createBugDisabledReason: createBugReason(answer) }));
      await Promise.all([me, this.fetchPage(info, this.state)]);
      await reportLoaded();
    } catch (error) {
      this.setState({ loading: false, loadError: describeError(error) });
      reportFailed(error);
    }
  };

  private async fetchPage(info: PageInfo, s: Pick<State, "view" | "sort" | "query" | "status" | "cursors">): Promise<void> {
    const params = new URLSearchParams({ limit: String(PAGE_SIZE) });
    if (s.query) params.set("q", s.query);
    if (s.status) params.set("status", s.status);
    const cursor = s.cursors[s.cursors.length - 1];
    if (cursor) params.set("cursor", cursor);
    const { view, sort, query, status, cursors } = s;
    if (view === "groups") {
      params.set("sort", sort);
      const groups = await backendFetch<GroupPage>(info, `/groups?${params.toString()}`);
      this.setState({ groups, view, sort, query, status, cursors, loading: false, loadError: undefined });
      groups.items.filter((g) => g.bugPending).forEach((g) => this.pollBug(g.id, 0));
    } else {
      const reports = await backendFetch<ReportPage>(info, `/reports?${params.toString()}`);
      this.setState({ reports, view, query, status, cursors, loading: false, loadError: undefined });
      reports.items.filter((r) => r.bugPending).forEach((r) => this.pollBug(r.groupId, 0));
    }
  }

  /** Show another page, filter, order or view; `reset` starts again from the first page. */
  private navigate = async (change: Partial<State>, reset = true): Promise<void> => {
    this.setState({ actionError: undefined });
    if (reset) this.setState({ expanded: {} });
    await this.reread({ ...change, ...(reset ? { cursors: [null] } : {}) });
  };

  /** Read the page `change` describes (the current one when empty); errors stay as they are. */
  private reread = async (change: Partial<State>): Promise<void> => {
    const { info } = this.state;
    if (!info) return;
    const next = { ...this.state, ...change };
    this.setState({ loading: true });
    try {
      await this.fetchPage(info, next);
    } catch (error) {
      this.setState({ loading: false, loadError: describeError(error) });
      reportFailed(error);
    }
  };

  /** Re-read the current page and the open groups' reports after a change. */
  private refresh = async (): Promise<void> => {
    await this.reread({});
    Object.keys(this.state.expanded).forEach((id) => void this.readReports(id, null));
  };

  private async act(target: Triageable, action: string, body?: unknown): Promise<Group | undefined> {
    const { info } = this.state;
    if (!info) return undefined;
    this.setState({ actionError: undefined });
    try {
      const path = `/groups/${encodeURIComponent(target.groupId)}/${action}`;
      const group = await backendFetch<Group>(info, path, { method: "POST", body: body ?? {} });
      if (group.bugPending) this.pollBug(group.id, 0);
      await this.refresh();
      return group;
    } catch (error) {
      if (error instanceof BackendError && error.code === NOT_CONFIGURED) {
        this.setState({ createBugDisabledReason: CREATE_BUG_UNAVAILABLE }); // the connection went away
      }
      this.setState({ actionError: describeError(error) });
      if (error instanceof BackendError && error.code === BUG_PENDING) void this.refresh(); // show the spinner
      return undefined;
    }
  }

  /** Follow a group whose bug is being created until the worker has linked it (or given up). */
  private pollBug(groupId: string, attempt: number): void {
    const { info } = this.state;
    if (!info || this.pollTimers.has(groupId)) return;
    const timer = window.setTimeout(async () => {
      this.pollTimers.delete(groupId);
      try {
        const group = await backendFetch<Group>(info, `/groups/${encodeURIComponent(groupId)}`);
        if (group.bugPending) this.pollBug(groupId, attempt + 1);
        else await this.refresh();
      } catch (error) {
        this.setState({ actionError: describeError(error) });
      }
    }, attempt < BUG_POLL_FAST ? BUG_POLL_MS : BUG_POLL_SLOW_MS);
    this.pollTimers.set(groupId, timer);
  }

  private actions: TriageActions = {
    startLink: (t) => this.setState({ linking: t }),
    dismiss: (t) => void this.act(t, "dismiss", {}),
    reopen: (t) => void this.act(t, "reopen"),
    unlink: (t) => void this.act(t, "unlink"),
    createBug: (t) => void this.act(t, "create-bug"),
  };

  private link = async (workItemId: number): Promise<void> => {
    const target = this.state.linking;
    if (target && (await this.act(target, "link", { workItemId }))) this.setState({ linking: undefined });
  };

  private toggle = (group: Group): void => {
    const expanded = { ...this.state.expanded };
    if (expanded[group.id]) {
      delete expanded[group.id];
      this.setState({ expanded });
    } else {
      this.setState({ expanded: { ...expanded, [group.id]: { reports: [], nextCursor: null, loading: true } } });
      void this.readReports(group.id, null);
    }
  };

  /** Read (a further page of) a group's reports into its expanded row. */
  private async readReports(groupId: string, cursor: string | null): Promise<void> {
    const { info } = this.state;
    if (!info) return;
    const params = new URLSearchParams({ limit: String(EXPANDED_PAGE) });
    if (cursor) params.set("cursor", cursor);
    const update = (change: (e: Expansion) => Expansion) => this.setState((s) => {
      const current = s.expanded[groupId];
      return current ? { expanded: { ...s.expanded, [groupId]: change(current) } } : null;
    });
    update((e) => ({ ...e, loading: true, error: undefined }));
    try {
      const page = await backendFetch<ReportPage>(info, `/groups/${encodeURIComponent(groupId)}/reports?${params.toString()}`);
      update((e) => ({ reports: cursor ? [...e.reports, ...page.items] : page.items, nextCursor: page.nextCursor, loading: false }));
    } catch (error) {
      update((e) => ({ ...e, loading: false, error: describeError(error) }));
    }
  }

  render(): React.ReactElement {
    const s = this.state;
    return (
      <div className="rb-page rb-stack">
        <div className="rb-row" style={{ justifyContent: "space-between" }}>
          <h1 className="title-m" style={{ margin: 0 }}>Customer reports</h1>
          {s.info && <span className="rb-muted">{s.info.projectName}</span>}
        </div>
        <TabBar selectedTabId={s.view} onSelectedTabChanged={(id) => void this.navigate({ view: id as View })} tabSize={TabSize.Compact}>
          <Tab id="groups" name="By problem" />
          <Tab id="reports" name="By report" />
        </TabBar>
        <Filters view={s.view} search={s.search} sort={s.sort} status={s.status}
          onSearchText={(search) => this.setState({ search })}
          onChange={(change) => void this.navigate(change)} />
        {s.createBugDisabledReason === CREATE_BUG_UNAVAILABLE && (
          <div className="rb-muted" data-testid="create-bug-unavailable">{CREATE_BUG_UNAVAILABLE}</div>
        )}
        {s.actionError && (
          <MessageCard severity={MessageCardSeverity.Error} onDismiss={() => this.setState({ actionError: undefined })}>
            <span data-testid="action-error">{s.actionError}</span>
          </MessageCard>
        )}
        {s.linking && (
          <LinkForm target={s.linking} onLink={this.link} onCancel={() => this.setState({ linking: undefined })}
            onInvalid={(message) => this.setState({ actionError: message })} />
        )}
        {this.renderBody()}
      </div>
    );
  }

  private renderBody(): React.ReactElement {
    const s = this.state;
    if (s.loadError) return <ErrorState message={s.loadError} onRetry={() => void this.load()} />;
    const page = s.view === "groups" ? s.groups : s.reports;
    if (!page) return <Loading label="Loading customer reports…" />;
    const filtered = !!(s.query || s.status);
    return (
      <div className="rb-stack">
        {page.items.length === 0 ? (
          <Empty message={filtered ? "No reports match these filters." : "No customer reports in this project yet."} />
        ) : s.view === "groups" && s.groups ? (
          <GroupsTable groups={s.groups.items} expanded={s.expanded} actions={this.actions}
            createBugDisabledReason={s.createBugDisabledReason} toggle={this.toggle}
            more={(g) => void this.readReports(g.id, s.expanded[g.id]?.nextCursor ?? null)} />
        ) : (
          <ReportsTable items={(s.reports?.items ?? []) as Report[]} actions={this.actions}
            createBugDisabledReason={s.createBugDisabledReason} />
        )}
        <Pager page={s.cursors.length} loading={s.loading} hasNext={!!page.nextCursor}
          previous={() => void this.navigate({ cursors: s.cursors.slice(0, -1) }, false)}
          next={() => void this.navigate({ cursors: [...s.cursors, page.nextCursor] }, false)} />
      </div>
    );
  }
}

/** Why "Create bug" is off, or undefined when the backend says it can create bugs here. */
function createBugReason(me: Me): string | undefined {
  return me.capabilities?.createBug === true ? undefined : CREATE_BUG_UNAVAILABLE;
}

void startSdk();
mount(<CustomerReportsHub />);
