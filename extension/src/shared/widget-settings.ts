// The widget's own settings (WidgetSettings.customSettings.data), shared by the widget and its configuration.
import { CustomSettings, WidgetSettings } from "azure-devops-extension-api/Dashboard";

import { Status, STATUSES } from "./model";

export const WIDGET_ID = "customer-reported-bugs";
export const WIDGET_CONFIG_ID = "customer-reported-bugs-config";
export const SETTINGS_VERSION = { major: 1, minor: 0, patch: 0 };

/** Which status counts the widget shows next to the untriaged figure. */
export interface BugWidgetSettings {
  statuses: Status[];
}

export const DEFAULT_SETTINGS: BugWidgetSettings = { statuses: ["new", "linked"] };

/** Read customSettings.data; an unconfigured instance (null, empty or foreign data) gets the defaults. */
export function parseSettings(settings: WidgetSettings | undefined): BugWidgetSettings {
  const raw = settings?.customSettings?.data;
  if (!raw) return { ...DEFAULT_SETTINGS };
  try {
    const parsed = JSON.parse(raw) as Partial<BugWidgetSettings> | null;
    const statuses = (parsed?.statuses ?? []).filter((s): s is Status => STATUSES.includes(s as Status));
    return Array.isArray(parsed?.statuses) ? { statuses } : { ...DEFAULT_SETTINGS };
  } catch {
    return { ...DEFAULT_SETTINGS };
  }
}

/** Serialize settings in the documented CustomSettings shape. */
export function toCustomSettings(settings: BugWidgetSettings): CustomSettings {
  const statuses = STATUSES.filter((s) => settings.statuses.includes(s));
  return { data: JSON.stringify({ statuses }), version: SETTINGS_VERSION };
}
