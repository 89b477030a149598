// The widget's own settings (WidgetSettings.customSettings.data), shared by the widget and its configuration.
import { CustomSettings, WidgetSettings } from "azure-devops-extension-api/Dashboard";

import { Status, STATUSES } from "./model";

export const WIDGET_ID = "customer-reported-bugs";
export const WIDGET_CONFIG_ID = "customer-reported-bugs-config";
export const SETTINGS_VERSION = { major: 1, minor: 1, patch: 0 }; // 1.1: adds `days`

/** The periods the backend counts per day (GET …/dashboard?days=). */
export type Period = 7 | 30 | 90;
export const PERIODS: Period[] = [7, 30, 90];

/** Which statuses the widget's stacked bar shows, and how many days its per-day chart covers. */
export interface BugWidgetSettings {
  statuses: Status[];
  days: Period;
}

export const DEFAULT_SETTINGS: BugWidgetSettings = { statuses: ["new", "linked"], days: 30 };

/**
 * Read customSettings.data; an unconfigured instance (null, empty or foreign data) gets the defaults,
 * and settings saved before the period existed (version 1.0.0, statuses only) get the default period.
 */
export function parseSettings(settings: WidgetSettings | undefined): BugWidgetSettings {
  const raw = settings?.customSettings?.data;
  if (!raw) return { ...DEFAULT_SETTINGS };
  try {
    const parsed = JSON.parse(raw) as { statuses?: unknown; days?: unknown } | null;
    const days = PERIODS.find((p) => p === parsed?.days) ?? DEFAULT_SETTINGS.days;
    if (!Array.isArray(parsed?.statuses)) return { ...DEFAULT_SETTINGS, days };
    const statuses = STATUSES.filter((s) => (parsed?.statuses as unknown[]).includes(s));
    return { statuses, days };
  } catch {
    return { ...DEFAULT_SETTINGS };
  }
}

/** Serialize settings in the documented CustomSettings shape. */
export function toCustomSettings(settings: BugWidgetSettings): CustomSettings {
  const statuses = STATUSES.filter((s) => settings.statuses.includes(s));
  return { data: JSON.stringify({ statuses, days: settings.days }), version: SETTINGS_VERSION };
}
