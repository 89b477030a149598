// Hub "Customer reports" (Boards): one row per problem (report group) by default, its reports one click
// (or Enter) away, a per-report view one tab away; search, status filter, sort, paging and triage; a
// deep link (?reportId=) opens on that report's problem (page-reads.ts).
//
// Every action re-reads the page it changed (so a row that left the status filter leaves the view),
// and a failed first load retries everything the first load does (page info, /me, the page).
//
// Speed (bench/ui_load.py, README "Where the hub's time to data goes"): the first load is requested
// before React renders anything, and the page's frame (tabs, filters, a spinner) renders while those
// requests are on their way. Rendered at once, as before, its cold React and azure-devops-ui code ran in
// the task that sent the SDK handshake, and the host (same main thread) heard the handshake only after.
import { Button } from "azure-devops-ui/Button";
import { MessageCard, MessageCardSeverity } from "azure-devops-ui/MessageCard";
import { Tab, TabBar, TabSize } from "azure-devops-ui/Tabs";
import * as React from "react";

import "./customer-reports.css";
import { Latest } from "../shared/latest";
import { Group, Report } from "../shared/model";
import { BackendError, backendFetch, describeError, PageInfo, reportFailed, reportLoaded, resizeToContent, startSdk } from "../shared/sdk";
import { Empty, ErrorState, Loading, mountWhileWaiting, Pending } from "../shared/states";
import { BugPolls } from "./bug-polls";
import { Triageable, TriageActions } from "./cells";
import { Filters, LinkForm, Pager } from "./controls";
import { Expansion, GroupsTable } from "./group-table";
import { CREATE_BUG_CHECKING, CREATE_BUG_UNAVAILABLE, firstLoaded, INITIAL, shown, State } from "./hub-state";
import {
  FIRST_QUERY, FirstLoad, forgetLinkedReport, linkedFirst, readFirstLoad, readGroupReports, readPage, View,
} from "./page-reads";
import { ReportsTable } from "./table";

const NOT_CONFIGURED = "azure_devops_not_configured";
const BUG_PENDING = "bug_pending";

interface Props {
  first: Pending<FirstLoad>;
}

class CustomerReportsHub extends React.Component<Props, State> {
  private readonly reads = new Latest(); // filters, pages and views read in turn: the newest is shown
  private readonly groupReads = new Latest<string>(); // an open group's reports: its newest read is shown
  private bugs = new BugPolls({
    read: (groupId) => backendFetch<Group>(this.state.info as PageInfo, `/groups/${encodeURIComponent(groupId)}`),
    settled: () => this.refresh(),
    failed: (error) => this.setState({ actionError: describeError(error) }),
  });

  constructor(props: Props) {
    super(props);
    const outcome = props.first.outcome;
    this.state = {
      ...INITIAL,
      ...(outcome && "value" in outcome ? firstLoaded(outcome.value) : {}),
      ...(outcome && "error" in outcome ? { loading: false, loadError: describeError(outcome.error) } : {}),
    };
  }

  componentDidMount(): void {
    const outcome = this.props.first.outcome;
    if (outcome === undefined) void this.finishLoad(this.props.first.promise);
    else if ("value" in outcome) void this.loaded();
    else reportFailed(outcome.error);
  }

  componentWillUnmount(): void {
    this.bugs.stop();
  }

  componentDidUpdate(): void {
    resizeToContent();
  }

  /** Every "Try again" after a failed load: page info, /me and the page, as the first load read them. */
  private load = (): void => {
    this.setState({ loading: true, loadError: undefined, createBugDisabledReason: CREATE_BUG_CHECKING });
    void this.finishLoad(readFirstLoad(this.state, this.state.info));
  };

  private async finishLoad(load: Promise<FirstLoad>): Promise<void> {
    try {
      this.setState(firstLoaded(await load) as State);
      await this.loaded();
    } catch (error) {
      this.setState({ loading: false, loadError: describeError(error) });
      reportFailed(error);
    }
  }

  /** The data is on screen: tell the host, and follow the bugs being created. */
  private async loaded(): Promise<void> {
    this.followPendingBugs();
    await reportLoaded();
  }

  private followPendingBugs(): void {
    const pending = [...(this.state.groups?.items ?? []), ...(this.state.reports?.items ?? [])];
    pending.forEach((item) => item.bugPending && this.pollBug("groupId" in item ? item.groupId : item.id));
  }

  /** Show another page, filter, order or view; `reset` starts again from the first page. */
  private navigate = async (change: Partial<State>, reset = true): Promise<void> => {
    this.setState({ actionError: undefined });
    if (this.state.linkedReportId) void forgetLinkedReport(); // the user moved on from the linked report
    await this.reread({ linkedReportId: undefined, ...change, ...(reset ? { cursors: [null] } : {}) });
  };

  /** Read the page `change` describes (the current one when empty); errors stay as they are. */
  private reread = async (change: Partial<State>): Promise<void> => {
    const { info } = this.state;
    if (!info) return;
    const next = { ...this.state, ...change };
    const current = this.reads.begin();
    this.setState({ loading: true });
    try {
      const page = await readPage(info, next);
      if (!current()) return; // a newer read (another filter, page or view) shows its own answer
      const { expanded } = this.state;
      // The same page again (after an action) keeps its open groups; their reports are re-read.
      const keep = Object.keys(change).length === 0 && !page.expanded;
      this.setState({ ...shown(page), ...(keep ? { expanded } : {}) } as State, () => this.followPendingBugs());
    } catch (error) {
      if (!current()) return;
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
      if (group.bugPending) this.pollBug(group.id);
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

  /** Follow a group whose bug is being created (bug-polls.ts), once the page knows its backend. */
  private pollBug(groupId: string): void {
    if (this.state.info) this.bugs.follow(groupId);
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
    const newest = this.groupReads.begin(groupId); // a "more" read that a refresh overtook is dropped
    const update = (change: (e: Expansion) => Expansion) => this.setState((s) => {
      const current = s.expanded[groupId];
      return current ? { expanded: { ...s.expanded, [groupId]: change(current) } } : null;
    });
    update((e) => ({ ...e, loading: true, error: undefined }));
    try {
      const page = await readGroupReports(info, groupId, cursor);
      if (!newest()) return;
      const linked = this.state.linked?.report;
      update((e) => ({ ...page, reports: linkedFirst(cursor ? [...e.reports, ...page.reports] : page.reports, linked?.groupId === groupId ? linked : null) }));
    } catch (error) {
      if (newest()) update((e) => ({ ...e, loading: false, error: describeError(error) }));
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
        {s.linked?.report && (
          <MessageCard severity={MessageCardSeverity.Info} buttonProps={[{ text: "Show all problems", onClick: this.showAll }]}>
            <span data-testid="linked-report">
              Showing the problem of the report you followed a link to ({linkedLabel(s.linked.report)}).
            </span>
          </MessageCard>
        )}
        {this.renderBody()}
      </div>
    );
  }

  private showAll = (): void => void this.navigate({});

  private renderBody(): React.ReactElement {
    const s = this.state;
    if (s.loadError) return <ErrorState message={s.loadError} onRetry={() => void this.load()} />;
    const page = s.view === "groups" ? s.groups : s.reports;
    if (!page) return <Loading label="Loading customer reports…" />;
    if (s.linked && !s.linked.report) {
      return (
        <div className="rb-row" data-state="not-found" data-testid="linked-report-missing">
          <span>
            No report “{s.linked.reportId}” in this project. The link may belong to another project or
            organization, or the report was deleted.
          </span>
          <Button text="Show all problems" onClick={this.showAll} />
        </div>
      );
    }
    const filtered = !!(s.query || s.status);
    return (
      <div className="rb-stack">
        {page.items.length === 0 ? (
          <Empty message={filtered ? "No reports match these filters." : "No customer reports in this project yet."} />
        ) : s.view === "groups" && s.groups ? (
          <GroupsTable groups={s.groups.items} expanded={s.expanded} actions={this.actions}
            createBugDisabledReason={s.createBugDisabledReason} toggle={this.toggle}
            currentReportId={s.linked?.report?.id}
            more={(g) => void this.readReports(g.id, s.expanded[g.id]?.nextCursor ?? null)} />
        ) : (
          <ReportsTable items={(s.reports?.items ?? []) as Report[]} actions={this.actions}
            createBugDisabledReason={s.createBugDisabledReason} />
        )}
        {!s.linked && <Pager page={s.cursors.length} loading={s.loading} hasNext={!!page.nextCursor}
          previous={() => void this.navigate({ cursors: s.cursors.slice(0, -1) }, false)}
          next={() => void this.navigate({ cursors: [...s.cursors, page.nextCursor] }, false)} />}
      </div>
    );
  }
}

/** Who sent the linked report, and its ticket. */
function linkedLabel(report: Report): string {
  const who = report.customerName || report.customerId;
  return report.externalId ? `${who}, ${report.externalId}` : who;
}

void startSdk();
let requested = (): void => undefined;
const waiting = new Promise<void>((resolve) => (requested = resolve)); // the first page is on its way
const first = new Pending(readFirstLoad(FIRST_QUERY, undefined, () => requested()));
mountWhileWaiting(first, waiting, () => <CustomerReportsHub first={first} />);
