// Dashboard widget "Customer reported bugs": untriaged count, oldest untriaged age, counts by status.
import { WidgetStatusHelper } from "azure-devops-extension-api/Dashboard";
import { IConfigurableWidget, WidgetSettings, WidgetStatus } from "azure-devops-extension-api/Dashboard";
import * as SDK from "azure-devops-extension-sdk";
import * as React from "react";

import { DashboardSummary } from "../shared/model";
import { backendFetch, describeError, loadPageInfo, PageInfo, reportFailed, startSdk } from "../shared/sdk";
import { ErrorState, formatAge, Loading, mount } from "../shared/states";
import { BugWidgetSettings, parseSettings, WIDGET_ID } from "../shared/widget-settings";
import "./customer-reported-bugs.css";

interface ViewProps {
  name: string;
  wide: boolean;
  settings: BugWidgetSettings;
  summary: DashboardSummary;
}

function WidgetView(props: ViewProps): React.ReactElement {
  const { summary, settings } = props;
  return (
    <div className="rb-widget" data-testid="widget" data-size={props.wide ? "wide" : "small"}>
      <h2 className="rb-widget-title" title={props.name}>{props.name}</h2>
      <div className="rb-widget-body">
        <div>
          <div className="rb-metric" data-testid="untriaged-count">{summary.untriagedCount}</div>
          <div className="rb-metric-label rb-muted">untriaged</div>
          <div className="rb-muted rb-widget-age" data-testid="oldest-age">
            {summary.oldestUntriagedAt ? `oldest ${formatAge(summary.oldestUntriagedAgeSeconds)}` : "none waiting"}
          </div>
        </div>
        {props.wide && (
          <table className="rb-widget-counts" data-testid="status-counts">
            <tbody>
              {settings.statuses.map((s) => (
                <tr key={s} data-status={s}>
                  <td className="rb-muted">{s}</td>
                  <td className="rb-widget-count">{summary.countsByStatus[s] ?? 0}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>
    </div>
  );
}

/** The object the dashboard calls: preload, load and reload (IConfigurableWidget). */
class CustomerReportedBugsWidget implements IConfigurableWidget {
  private info?: Promise<PageInfo>;

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
    try {
      this.info = this.info ?? loadPageInfo();
      const summary = await backendFetch<DashboardSummary>(await this.info, "/dashboard");
      const wide = (settings.size?.columnSpan ?? 2) >= 2;
      mount(<WidgetView name={settings.name} wide={wide} settings={parseSettings(settings)} summary={summary} />);
      return WidgetStatusHelper.Success();
    } catch (error) {
      const message = describeError(error);
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
