// Work item form group "Customer impact": who reported the open work item, read via the form service.
import {
  IWorkItemChangedArgs,
  IWorkItemFieldChangedArgs,
  IWorkItemFormService,
  IWorkItemLoadedArgs,
  IWorkItemNotificationListener,
  WorkItemTrackingServiceIds,
} from "azure-devops-extension-api/WorkItemTracking";
import * as SDK from "azure-devops-extension-sdk";
import * as React from "react";

import { PER_DAY, Sparkline } from "../shared/charts";
import { Latest } from "../shared/latest";
import { Impact } from "../shared/model";
import { backendFetch, callOptional, describeError, loadPageInfo, PageInfo, reportFailed, reportLoaded, resizeToContent, startSdk } from "../shared/sdk";
import { Empty, ErrorState, formatDate, Loading, mount } from "../shared/states";

const LISTED_REPORTS = 5;

interface View {
  workItemId?: number;
  title?: string;
  impact?: Impact;
  error?: string;
  loading: boolean;
}

type Listener = (view: View) => void;

/** Follows the form's active work item and keeps its impact current. */
class ImpactModel implements IWorkItemNotificationListener {
  view: View = { loading: true };
  private listeners: Listener[] = [];
  private readonly reads = new Latest();

  constructor(private readonly info: PageInfo, private readonly form: IWorkItemFormService) {}

  subscribe(listener: Listener): void {
    this.listeners.push(listener);
  }

  private set(view: View): void {
    this.view = view;
    this.listeners.forEach((l) => l(view));
  }

  /** Read the active item from the form service and fetch its impact; false on error. */
  async load(): Promise<boolean> {
    const current = this.reads.begin();
    this.set({ ...this.view, loading: true, error: undefined });
    try {
      const workItemId = await this.form.getId();
      const title = String((await this.form.getFieldValue("System.Title", { returnOriginalValue: false })) ?? "");
      const impact = await backendFetch<Impact>(this.info, `/work-items/${workItemId}/impact`);
      if (current()) this.set({ workItemId, title, impact, loading: false });
      return true;
    } catch (error) {
      if (current()) {
        this.set({ ...this.view, loading: false, error: describeError(error) });
        reportFailed(error);
      }
      return false;
    }
  }

  onLoaded(args: IWorkItemLoadedArgs): void {
    if (args.id !== this.view.workItemId || !this.view.impact) void this.load();
  }

  onUnloaded(_args: IWorkItemChangedArgs): void {
    this.reads.cancel();
    this.set({ loading: false });
  }

  onSaved(_args: IWorkItemChangedArgs): void {
    void this.load();
  }

  onRefreshed(_args: IWorkItemChangedArgs): void {
    void this.load();
  }

  onReset(_args: IWorkItemChangedArgs): void {
    void this.load();
  }

  onFieldChanged(args: IWorkItemFieldChangedArgs): void {
    const title = args.changedFields["System.Title"];
    if (typeof title === "string") this.set({ ...this.view, title });
  }
}

class CustomerImpact extends React.Component<{ model: ImpactModel }, { view: View }> {
  state = { view: this.props.model.view };

  componentDidMount(): void {
    // The model's view replaces the shown one whole: setState merges, so a view without `impact`
    // (the form closed the item) would otherwise keep showing the previous item's reports.
    this.props.model.subscribe((view) => this.setState({ view }));
  }

  componentDidUpdate(): void {
    resizeToContent();
  }

  render(): React.ReactElement {
    const v = this.state.view;
    return (
      <div className="rb-impact" style={{ padding: "8px 16px" }} data-work-item-id={v.workItemId ?? ""}>
        {this.renderBody(v)}
      </div>
    );
  }

  private renderBody(v: View): React.ReactElement {
    if (v.error) return <ErrorState message={v.error} onRetry={() => void this.props.model.load()} />;
    if (v.loading && !v.impact) return <Loading label="Loading customer impact…" />;
    if (v.workItemId === undefined || !v.impact) return <Empty message="No work item is open." />;
    const impact = v.impact;
    if (impact.reportCount === 0) {
      return <Empty message={`No customer reports are linked to #${v.workItemId}.`} />;
    }
    return (
      <div className="rb-stack">
        <div className="rb-row" style={{ gap: 32 }}>
          <Metric label="Customers affected" value={impact.customersAffected} testId="customers-affected" />
          <Metric label="Reports" value={impact.reportCount} testId="report-count" />
        </div>
        <div className="rb-muted" style={{ fontSize: 12 }}>
          First reported {formatDate(impact.firstReportedAt)} · last {formatDate(impact.lastReportedAt)}
        </div>
        <div className="rb-row rb-impact-daily">
          <Sparkline counts={impact.dailyCounts} width={160} height={24} />
          <span className="rb-muted" style={{ fontSize: 12 }}>{PER_DAY}, last {impact.dailyCounts.length} days</span>
        </div>
        <ul className="rb-impact-list" data-testid="impact-reports">
          {impact.reports.slice(0, LISTED_REPORTS).map((r) => (
            <li key={r.id}>
              <strong>{r.customerName || r.customerId}</strong>
              <span className="rb-muted"> · {r.title} · {formatDate(r.createdAt)}</span>
            </li>
          ))}
        </ul>
        {impact.reports.length > LISTED_REPORTS && (
          <div className="rb-muted">and {impact.reports.length - LISTED_REPORTS} more</div>
        )}
      </div>
    );
  }
}

function Metric(props: { label: string; value: number; testId: string }): React.ReactElement {
  return (
    <div>
      <div className="rb-metric" data-testid={props.testId}>{props.value}</div>
      <div className="rb-metric-label rb-muted">{props.label}</div>
    </div>
  );
}

async function main(): Promise<void> {
  void startSdk();
  mount(<Loading label="Loading customer impact…" />);
  try {
    const info = await loadPageInfo();
    const form = await SDK.getService<IWorkItemFormService>(WorkItemTrackingServiceIds.WorkItemFormService);
    const model = new ImpactModel(info, form);
    // Registered under the full contribution id, before "loaded", so the form can call us at once.
    SDK.register(SDK.getContributionId(), model);
    mount(<CustomerImpact model={model} />);
    // Older hosts have no hasActiveWorkItem: assume an item is open and let getId() say otherwise.
    if (await callOptional(form, "hasActiveWorkItem", true)) {
      if (!(await model.load())) return;
    } else {
      model.onUnloaded({ id: 0 });
    }
    await reportLoaded();
  } catch (error) {
    mount(<ErrorState message={describeError(error)} />);
    reportFailed(error);
  }
}

void main();
