// Cells and the row menu both hub tables share: severity pill, status, work item link, dates, "…" actions.
//
// Focus: every control inside a row is left out of the tab order (excludeTabStop). The table is one
// tab stop; ↑/↓ move between rows (the Table's vertical focus zone) and →/← through a row's controls
// (each row's horizontal zone), as in Azure DevOps' own tables.
import { FocusZoneContext } from "azure-devops-ui/FocusZone";
import { IMenuItem, IMenuProps } from "azure-devops-ui/Menu";
import { Pill, PillSize, PillVariant } from "azure-devops-ui/Pill";
import { Spinner, SpinnerSize } from "azure-devops-ui/Spinner";
import { ITableColumn, SimpleTableCell } from "azure-devops-ui/Table";
import * as React from "react";

import { Severity, Status, WorkItemRef } from "../shared/model";

/** What the triage menu acts on: a group, or the group of a report in the per-report view. */
export interface Triageable {
  groupId: string;
  title: string;
  status: Status;
  workItem: WorkItemRef | null;
  bugPending: boolean;
}

/** The triage calls; the hub owns them. */
export interface TriageActions {
  startLink(target: Triageable): void;
  dismiss(target: Triageable): void;
  reopen(target: Triageable): void;
  unlink(target: Triageable): void;
  createBug(target: Triageable): void;
}

export const BUG_PENDING_NOTE = "a bug is being created";

const SEVERITY_COLORS = {
  low: { red: 0, green: 120, blue: 212 },
  medium: { red: 214, green: 127, blue: 60 },
  high: { red: 205, green: 74, blue: 69 },
  critical: { red: 168, green: 0, blue: 0 },
};

/**
 * A cell with the data attributes the tests and the layout checks find it by. SimpleTableCell is a pure
 * function of its props (no state, no hooks; its <td> carries its own key): called, not mounted, it is
 * the same markup without a component per cell (eight a row).
 */
export function cell<T>(render: (item: T) => React.ReactNode, key: (item: T) => string, attribute: string) {
  return (_rowIndex: number, columnIndex: number, column: ITableColumn<T>, item: T) => SimpleTableCell({
    columnIndex,
    tableColumn: column,
    children: (
      <div {...{ [attribute]: key(item) }} data-column={column.id} className="rb-cell">
        {render(item)}
      </div>
    ),
  });
}

/**
 * The severity, as text in a pill. Out of the row's focus zone: a Pill joins it by default (data-focuszone)
 * though it takes no focus without onClick, so → stopped at it and never reached the work item link or
 * the "…" menu after it.
 */
export function SeverityPill(props: { severity: Severity }): React.ReactElement {
  return (
    <Pill size={PillSize.compact} variant={PillVariant.colored} color={SEVERITY_COLORS[props.severity]} excludeFocusZone>
      {props.severity}
    </Pill>
  );
}

export function StatusText(props: { status: Status }): React.ReactElement {
  return <span data-testid="status">{props.status}</span>;
}

/** The group's work item (a themed link to its page), the pending bug, or a dash. */
export function WorkItemCell(props: { target: Triageable }): React.ReactElement {
  const { workItem, bugPending } = props.target;
  if (bugPending) {
    return (
      <span className="rb-row rb-nowrap" data-testid="bug-pending" style={{ gap: 4 }}>
        <Spinner size={SpinnerSize.xSmall} /> Creating bug…
      </span>
    );
  }
  if (!workItem) return <span className="rb-muted">—</span>;
  return (
    <div className="flex-column">
      <span data-testid="work-item">
        <RowLink href={workItem.url}
          label={`Work item ${workItem.id}${workItem.title ? `: ${workItem.title}` : ""} (opens in a new tab)`}>
          #{workItem.id}
        </RowLink>
      </span>
      {workItem.state && <span className="rb-muted rb-small">{workItem.state}</span>}
    </div>
  );
}

// Plain elements with azure-devops-ui's classes for the controls in every row, instead of its Link and
// Button: those wrap each control in focus, tooltip and mouse-tracking components (in Chrome's profile of
// the hub's first render, ~87 React components a row), and the tooltips said nothing the text or the
// accessible name does not. Both join their row's focus zone (data-focuszone) and stay out of the tab
// order, as `excludeTabStop` did.

/** A link in a row that opens another page in a new tab; `label` is its accessible name. */
export function RowLink(props: { href: string; label: string; children: React.ReactNode }): React.ReactElement {
  const zone = React.useContext(FocusZoneContext);
  return (
    <a className="bolt-link no-underline-link" href={props.href} target="_blank" rel="noopener noreferrer"
      aria-label={props.label} tabIndex={-1} data-focuszone={zone.focuszoneId}>
      {props.children}
    </a>
  );
}

/** A subtle button in a row; Enter and Space are its own (as Button's), not the row's activation. */
export function RowButton(
  props: { className: string; label: string; expanded?: boolean; onClick(): void; children: React.ReactNode },
): React.ReactElement {
  const zone = React.useContext(FocusZoneContext);
  return (
    <button type="button" aria-label={props.label} aria-expanded={props.expanded} tabIndex={-1}
      data-focuszone={zone.focuszoneId}
      className={`${props.className} bolt-button bolt-icon-button enabled subtle icon-only bolt-focus-treatment`}
      onClick={(event) => { event.currentTarget.focus(); props.onClick(); }}
      onKeyDown={(event) => {
        if (!event.defaultPrevented && (event.key === "Enter" || event.key === " ")) {
          event.preventDefault();
          props.onClick();
        }
      }}>
      {props.children}
    </button>
  );
}

// One formatter per format, made once: toLocaleString(undefined, options) builds a new Intl.DateTimeFormat
// on every call, and each row shows two to four (dates and their tooltips): in Chrome's CPU profile of the
// hub's first render (10 rows) that was 9-17 ms of 120-180 ms, a cost the bench cannot separate from noise.
const FORMATS = new Map<string, Intl.DateTimeFormat>();

function format(date: Date, options: Intl.DateTimeFormatOptions): string {
  const key = JSON.stringify(options);
  let formatter = FORMATS.get(key);
  if (!formatter) FORMATS.set(key, (formatter = new Intl.DateTimeFormat(undefined, options)));
  return formatter.format(date);
}

// What Date.prototype.toLocaleString() shows by default: the date and the time to the second.
const FULL: Intl.DateTimeFormatOptions = { year: "numeric", month: "numeric", day: "numeric", hour: "numeric", minute: "numeric", second: "numeric" };

/**
 * A short local date: "Dec 2, 14:05" this year, "Dec 2, 2025" before (`dateOnly`: "Dec 2"); the full
 * time in the tooltip.
 */
export function ShortDate(props: { iso: string | null | undefined; label?: string; dateOnly?: boolean }): React.ReactElement {
  if (!props.iso) return <span className="rb-muted">—</span>;
  const date = new Date(props.iso);
  if (Number.isNaN(date.getTime())) return <span>{props.iso}</span>;
  const thisYear = date.getFullYear() === new Date().getFullYear();
  const day: Intl.DateTimeFormatOptions = thisYear ? { month: "short", day: "numeric" } : { month: "short", day: "numeric", year: "numeric" };
  const time: Intl.DateTimeFormatOptions = thisYear && !props.dateOnly ? { hour: "numeric", minute: "2-digit" } : {};
  const text = format(date, { ...day, ...time });
  return (
    <time className="rb-nowrap" dateTime={props.iso} title={format(date, FULL)}>
      {props.label ? `${props.label} ${text}` : text}
    </time>
  );
}

/**
 * The "…" menu of a row. While a bug is being created every other action is off (the backend answers
 * 409 bug_pending), so the row can only end linked by the bug, never half-dismissed.
 */
export function triageMenu(target: Triageable, actions: TriageActions, createBugDisabledReason?: string): IMenuProps {
  const pending = target.bugPending;
  const note = pending ? BUG_PENDING_NOTE : undefined;
  const items: IMenuItem[] = [];
  const open = target.status === "new";
  if (open) {
    items.push({ id: "link", text: "Link to work item…", disabled: pending, secondaryText: note,
      onActivate: () => actions.startLink(target) });
    items.push({ id: "create-bug", text: "Create bug", disabled: pending || !!createBugDisabledReason,
      secondaryText: pending ? note : createBugDisabledReason ? "unavailable" : undefined,
      ariaLabel: createBugDisabledReason ? `Create bug (unavailable: ${createBugDisabledReason})` : undefined,
      onActivate: () => actions.createBug(target) });
    items.push({ id: "dismiss", text: "Dismiss", disabled: pending, secondaryText: note,
      onActivate: () => actions.dismiss(target) });
  }
  if (target.status === "linked") {
    items.push({ id: "unlink", text: "Unlink", onActivate: () => actions.unlink(target) });
  }
  if (target.status === "dismissed" || target.status === "resolved") {
    items.push({ id: "reopen", text: "Reopen", disabled: pending, onActivate: () => actions.reopen(target) });
  }
  return { id: `triage-${target.groupId}`, items };
}
