// Small SVG charts drawn with the host's theme variables: reports per day (bars or a sparkline) and
// counts by status as one stacked bar. A charting library would roughly double a bundle (the target is
// 120 KB gzipped each) for three shapes that are a few rectangles; colours come from the theme the SDK
// applies, so both themes and a theme switch need nothing here.
import * as React from "react";

import { DailyCount, Status } from "./model";
import { plural } from "./words";
import "./charts.css";

const STATUS_COLOURS: Record<Status, string> = {
  new: "var(--component-status-warning, rgba(214, 127, 60, 1))",
  linked: "var(--component-status-info, rgba(0, 120, 212, 1))",
  resolved: "var(--component-status-success, rgba(85, 163, 98, 1))",
  dismissed: "var(--component-status-neutral, rgba(102, 102, 102, 1))",
};

/**
 * The days the backend counts in (GET …/dashboard, …/impact: UTC calendar days). Every per-day figure
 * names them: the hub and the form show each report's time in the viewer's zone, so far from UTC
 * (Pacific/Kiritimati, UTC+14) an unlabelled "Dec 7: 32 reports" contradicted the hub's "Dec 8, 1:11 PM"
 * for the same reports, and the chart seemed to end the day before the viewer's today.
 */
export const PER_DAY = "per UTC day";

/** "Dec 1" for "2026-12-01" (a UTC calendar day, so it is read in UTC). */
export function shortDate(day: string): string {
  return new Date(`${day}T00:00:00Z`).toLocaleDateString(undefined, { month: "short", day: "numeric", timeZone: "UTC" });
}

/** One sentence a screen reader reads for a per-day chart. */
export function describeDaily(counts: DailyCount[]): string {
  const total = counts.reduce((sum, c) => sum + c.count, 0);
  if (counts.length === 0) return "No days to show.";
  const range = `${shortDate(counts[0].date)} to ${shortDate(counts[counts.length - 1].date)} (UTC days)`;
  if (total === 0) return `No reports received from ${range}.`;
  const peak = counts.reduce((best, c) => (c.count > best.count ? c : best), counts[0]);
  return `${plural(total, "report")} received from ${range}; most on ${shortDate(peak.date)} (${peak.count}).`;
}

/** Reports received per day as bars, oldest on the left; the first and last day are labelled. */
export function DailyBars(props: { counts: DailyCount[]; height: number; showDates: boolean }): React.ReactElement {
  const { counts, height } = props;
  const max = Math.max(1, ...counts.map((c) => c.count));
  const slot = 10; // viewBox units per day; the SVG stretches to the width it gets
  const total = counts.reduce((sum, c) => sum + c.count, 0);
  return (
    <figure className="rb-chart" data-testid="daily-chart" data-days={counts.length} data-total={total}>
      <svg
        role="img"
        aria-label={describeDaily(counts)}
        viewBox={`0 0 ${counts.length * slot} ${height}`}
        preserveAspectRatio="none"
        width="100%"
        height={height}
      >
        <line className="rb-chart-axis" x1={0} x2={counts.length * slot} y1={height - 0.5} y2={height - 0.5} />
        {counts.map((c, i) => {
          const h = c.count === 0 ? 0 : Math.max(2, (c.count / max) * (height - 2));
          return (
            <rect
              key={c.date}
              className="rb-chart-bar"
              data-date={c.date}
              data-count={c.count}
              x={i * slot + 1.5}
              width={slot - 3}
              y={height - 1 - h}
              height={h}
            >
              <title>{`${shortDate(c.date)} (UTC): ${plural(c.count, "report")}`}</title>
            </rect>
          );
        })}
      </svg>
      {props.showDates && counts.length > 0 && (
        <figcaption className="rb-chart-dates rb-muted" aria-hidden="true">
          <span>{shortDate(counts[0].date)}</span>
          <span>max {max}</span>
          <span>{shortDate(counts[counts.length - 1].date)}</span>
        </figcaption>
      )}
    </figure>
  );
}

/** Reports per day as a line, for a space one text line high (the work item form group). */
export function Sparkline(props: { counts: DailyCount[]; width: number; height: number }): React.ReactElement {
  const { counts, width, height } = props;
  const max = Math.max(1, ...counts.map((c) => c.count));
  const step = counts.length > 1 ? width / (counts.length - 1) : 0;
  const y = (n: number) => height - 1 - (n / max) * (height - 2);
  const points = counts.map((c, i) => `${(i * step).toFixed(1)},${y(c.count).toFixed(1)}`).join(" ");
  const total = counts.reduce((sum, c) => sum + c.count, 0);
  return (
    <svg
      className="rb-sparkline"
      data-testid="sparkline"
      data-days={counts.length}
      data-total={total}
      role="img"
      aria-label={describeDaily(counts)}
      viewBox={`0 0 ${width} ${height}`}
      width={width}
      height={height}
    >
      <polyline points={points} fill="none" className="rb-sparkline-line" />
    </svg>
  );
}

/** Counts by status as one bar split in proportion, with a legend that carries the numbers. */
export function StatusBar(props: { counts: Record<Status, number>; statuses: Status[] }): React.ReactElement {
  const shown = props.statuses.map((s) => ({ status: s, count: props.counts[s] ?? 0 }));
  const total = shown.reduce((sum, s) => sum + s.count, 0);
  const label = total === 0 ? "No reports in the statuses shown." : shown.map((s) => `${s.status} ${s.count}`).join(", ");
  return (
    <div className="rb-status-bar" data-testid="status-counts">
      <svg role="img" aria-label={`Reports by status: ${label}`} viewBox="0 0 100 8" preserveAspectRatio="none" width="100%" height={8}>
        <rect className="rb-status-track" x={0} y={0} width={100} height={8} />
        {shown.reduce<{ x: number; parts: React.ReactElement[] }>(
          (acc, s) => {
            const w = total === 0 ? 0 : (s.count / total) * 100;
            acc.parts.push(
              <rect key={s.status} data-segment={s.status} x={acc.x} y={0} width={w} height={8} style={{ fill: STATUS_COLOURS[s.status] }} />,
            );
            return { x: acc.x + w, parts: acc.parts };
          },
          { x: 0, parts: [] },
        ).parts}
      </svg>
      <ul className="rb-legend">
        {shown.map((s) => (
          <li key={s.status} data-status={s.status}>
            <span className="rb-legend-swatch" style={{ background: STATUS_COLOURS[s.status] }} aria-hidden="true" />
            <span className="rb-muted">{s.status}</span> <span className="rb-legend-count">{s.count}</span>
          </li>
        ))}
      </ul>
    </div>
  );
}
