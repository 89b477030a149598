// Configuration of the "Customer reported bugs" widget: the per-day chart's period and the statuses to show.
import { ConfigurationEvent } from "azure-devops-extension-api/Dashboard";
import {
  IWidgetConfiguration,
  IWidgetConfigurationContext,
  SaveStatus,
  WidgetSettings,
  WidgetStatus,
} from "azure-devops-extension-api/Dashboard";
import { WidgetConfigurationSave, WidgetStatusHelper } from "azure-devops-extension-api/Dashboard";
import * as SDK from "azure-devops-extension-sdk";
import { Checkbox } from "azure-devops-ui/Checkbox";
import { RadioButton, RadioButtonGroup, RadioButtonGroupDirection } from "azure-devops-ui/RadioButton";
import * as React from "react";

import { Status, STATUSES } from "../shared/model";
import { resizeToContent, startSdk } from "../shared/sdk";
import { mount } from "../shared/states";
import { BugWidgetSettings, parseSettings, PERIODS, toCustomSettings, WIDGET_CONFIG_ID } from "../shared/widget-settings";

const NOTHING_SELECTED = "Pick at least one status to show.";
const ERROR_ID = "rb-statuses-error";

function ConfigView(props: { settings: BugWidgetSettings; onChange: (s: BugWidgetSettings) => void }): React.ReactElement {
  const { settings } = props;
  const selected = settings.statuses;
  const invalid = selected.length === 0;
  const toggle = (status: Status, checked: boolean) => {
    const statuses = checked ? [...selected, status] : selected.filter((s) => s !== status);
    props.onChange({ ...settings, statuses: STATUSES.filter((s) => statuses.includes(s)) });
  };
  const choosePeriod = (id: string) => {
    const days = PERIODS.find((p) => String(p) === id);
    if (days) props.onChange({ ...settings, days });
  };
  return (
    <div className="rb-page rb-stack" data-testid="widget-config">
      <RadioButtonGroup
        className="rb-period"
        text="Reports per day, over"
        selectedButtonId={String(settings.days)}
        onSelect={choosePeriod}
        direction={RadioButtonGroupDirection.Horizontal}
      >
        {PERIODS.map((days) => (
          <RadioButton key={days} id={String(days)} text={`${days} days`} />
        ))}
      </RadioButtonGroup>
      {/* The message names the fieldset's error (aria-describedby) and is announced when it appears (an
          alert): shown as plain text, a screen reader said nothing when the last status was unticked. */}
      <fieldset className="rb-fieldset" aria-describedby={invalid ? ERROR_ID : undefined}>
        <legend>Statuses in the bar (wide sizes)</legend>
        {STATUSES.map((status) => (
          <div key={status}>
            <Checkbox
              label={status}
              ariaLabel={`Show ${status}`}
              checked={selected.includes(status)}
              onChange={(_e, checked) => toggle(status, !!checked)}
            />
          </div>
        ))}
      </fieldset>
      {invalid && <div className="rb-muted" id={ERROR_ID} role="alert" data-testid="config-error">{NOTHING_SELECTED}</div>}
    </div>
  );
}

/** The object the dashboard calls: load and onSave (IWidgetConfiguration). */
class CustomerReportedBugsConfig implements IWidgetConfiguration {
  private settings: BugWidgetSettings = parseSettings(undefined);
  private context?: IWidgetConfigurationContext;

  load(widgetSettings: WidgetSettings, context: IWidgetConfigurationContext): Promise<WidgetStatus> {
    this.context = context;
    this.settings = parseSettings(widgetSettings);
    this.render();
    return WidgetStatusHelper.Success();
  }

  onSave(): Promise<SaveStatus> {
    if (this.settings.statuses.length === 0) return WidgetConfigurationSave.Invalid();
    return WidgetConfigurationSave.Valid(toCustomSettings(this.settings));
  }

  private change = (settings: BugWidgetSettings) => {
    this.settings = settings;
    this.render();
    if (!this.context) return;
    if (settings.statuses.length === 0) {
      void this.context.notify(ConfigurationEvent.ConfigurationError, ConfigurationEvent.Args(NOTHING_SELECTED));
    } else {
      void this.context.notify(ConfigurationEvent.ConfigurationChange, ConfigurationEvent.Args(toCustomSettings(settings)));
    }
  };

  private render(): void {
    mount(<ConfigView settings={this.settings} onChange={this.change} />);
    resizeToContent();
  }
}

void startSdk();
SDK.register(WIDGET_CONFIG_ID, new CustomerReportedBugsConfig());
void SDK.ready().then(() => SDK.notifyLoadSucceeded());
