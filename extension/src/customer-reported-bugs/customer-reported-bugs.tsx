// Dashboard widget "Customer reported bugs": untriaged count and the oldest one's age, reports received
// per day over the configured period, and counts by status as a stacked bar, all from GET …/dashboard.
import { WidgetStatusHelper } from "azure-devops-extension-api/Dashboard";
import { IConfigurableWidget, WidgetSettings, WidgetStatus } from "azure-devops-extension-api/Dashboard";
import * as SDK from "azure-devops-extension-sdk";
import * as React from "react";

import { DailyBars, PER_DAY, StatusBar } from "../shared/charts";
import { Latest } from "../shared/latest";
import { DashboardSummary } from "../shared/model";
import { backendFetch, describeError, loadPageInfo, PageInfo, reportFailed, startSdk } from "../shared/sdk";
import { ErrorState, formatAge, Loading, mount } from "../shared/states";
import { BugWidgetSettings, parseSettings, WIDGET_ID } from "../shared/widget-settings";
import "./customer-reported-bugs.css";

interface ViewProps {
  name: string;
  columns: number;
  rows: number;
  settings: BugWidgetSettings;
  summary: DashboardSummary;
}

/**
 * 1 column: the untriaged figure and its oldest report's age. 2 columns: the per-day chart beside it and
 * the counts by status as a stacked bar below; 2 rows give the chart its height and its dates.
 */
function WidgetView(props: ViewProps): React.ReactElement {
  const { summary, settings } = props;
  const wide = props.columns >= 2;
  const tall = props.rows >= 2;
  return (
    <div className="rb-widget" data-testid="widget" data-size={wide ? (tall ? "large" : "wide") : "small"}>
      <h2 className="rb-widget-title" title={props.name}>{props.name}</h2>
      <div className={tall ? "rb-widget-body rb-widget-tall" : "rb-widget-body"}>
        <div className="rb-widget-untriaged">
          <div className="rb-metric" data-testid="untriaged-count">{summary.untriagedCount}</div>
          <div className="rb-metric-label rb-muted">untriaged</div>
          <div className="rb-muted rb-widget-age" data-testid="oldest-age">
            {summary.oldestUntriagedAt ? `oldest ${formatAge(summary.oldestUntriagedAgeSeconds)}` : "none waiting"}
          </div>
        </div>
        {wide && (
          <div className="rb-widget-daily">
            <div className="rb-widget-caption rb-muted">Received {PER_DAY}, last {settings.days} days</div>
            <DailyBars counts={summary.dailyCounts} height={tall ? 120 : 44} showDates={tall} />
          </div>
        )}
      </div>
      {wide && <StatusBar counts={summary.countsByStatus} statuses={settings.statuses} />}
    </div>
  );
}

/** The object the dashboard calls: preload, load and reload (IConfigurableWidget). */
class CustomerReportedBugsWidget implements IConfigurableWidget {
  private info?: Promise<PageInfo>;
  // The configuration's live preview reloads on every change: an older reload's answer can come last.
  private readonly renders = new Latest();

  preload(settings: WidgetSettings): Promise<WidgetStatus> {
    mount(<Shell name={settings.name}><Loading label="Loading…" /></Shell>);
    return WidgetStatusHelper.Success();
  }

  load(settings: WidgetSettings): Promise<WidgetStatus> {
    return this.render(settings);
  }

  reload(settings: WidgetSettings): Promise<WidgetStatus> {
    return this.render(settings);
  }

  private async render(settings: WidgetSettings): Promise<WidgetStatus> {
    const current = this.renders.begin();
    try {
      this.info = this.info ?? loadPageInfo();
      const options = parseSettings(settings);
      const summary = await backendFetch<DashboardSummary>(await this.info, `/dashboard?days=${options.days}`);
      if (!current()) return WidgetStatusHelper.Success(); // a newer load or reload shows its own
      const columns = settings.size?.columnSpan ?? 2;
      const rows = settings.size?.rowSpan ?? 2;
      mount(<WidgetView name={settings.name} columns={columns} rows={rows} settings={options} summary={summary} />);
      return WidgetStatusHelper.Success();
    } catch (error) {
      const message = describeError(error);
      if (!current()) return WidgetStatusHelper.Failure(message); // not shown: a newer one is on screen
      mount(<Shell name={settings.name}><ErrorState message={message} /></Shell>);
      reportFailed(error);
      return WidgetStatusHelper.Failure(message);
    }
  }
}

function Shell(props: { name: string; children: React.ReactNode }): React.ReactElement {
  return (
    <div className="rb-widget">
      <h2 className="rb-widget-title">{props.name}</h2>
      {props.children}
    </div>
  );
}

void startSdk();
// Registered synchronously under the contribution's relative id, before the dashboard can call it.
SDK.register(WIDGET_ID, new CustomerReportedBugsWidget());
void SDK.ready().then(() => SDK.notifyLoadSucceeded());
