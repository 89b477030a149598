// Loading, empty and error states every contribution shows, plus mounting the React root.
import "azure-devops-ui/Core/override.css";
import "./page.css";

import { MessageCard, MessageCardSeverity } from "azure-devops-ui/MessageCard";
import { Spinner, SpinnerSize } from "azure-devops-ui/Spinner";
import * as React from "react";
import * as ReactDOM from "react-dom";

/** Render the page's root component into #root. */
export function mount(element: React.ReactElement): void {
  ReactDOM.render(element, document.getElementById("root"));
}

/** A promise whose outcome can also be read synchronously once it has settled. */
export class Pending<T> {
  outcome?: { value: T } | { error: unknown };

  constructor(readonly promise: Promise<T>) {
    promise.then((value) => (this.outcome = { value }), (error: unknown) => (this.outcome = { error }));
  }
}

/**
 * Mount `element()` once `pending` has settled, or after `delayMs` when it has not by then: a page whose
 * data comes quickly renders once, with its data (the host shows the frame loading until the page
 * reports it loaded), and a slow one shows its own loading state from `delayMs` on.
 */
export function mountWhenSettled(pending: Pending<unknown>, delayMs: number, element: () => React.ReactElement): void {
  let mounted = false;
  const go = () => {
    if (!mounted) mount(element());
    mounted = true;
  };
  const timer = window.setTimeout(go, delayMs);
  const settled = () => {
    window.clearTimeout(timer);
    go();
  };
  pending.promise.then(settled, settled); // after Pending's own reactions: `outcome` is set by then
}

/** A spinner with a label, shown while data is on its way. */
export function Loading(props: { label: string }): React.ReactElement {
  return (
    <div className="rb-state" data-state="loading">
      <Spinner size={SpinnerSize.medium} ariaLabel={props.label} />
      <span>{props.label}</span>
    </div>
  );
}

/** The empty state: nothing to show, and why. */
export function Empty(props: { message: string }): React.ReactElement {
  return (
    <div className="rb-state" data-state="empty">
      {props.message}
    </div>
  );
}

/** The error state: a visible, readable message (the page has already told the host). */
export function ErrorState(props: { message: string; onRetry?: () => void }): React.ReactElement {
  const buttons = props.onRetry ? [{ text: "Try again", onClick: props.onRetry }] : undefined;
  return (
    <div data-state="error">
      <MessageCard severity={MessageCardSeverity.Error} buttonProps={buttons}>
        {props.message}
      </MessageCard>
    </div>
  );
}

/** Format an ISO timestamp as a short local date and time. */
export function formatDate(iso: string | null | undefined): string {
  if (!iso) return "—";
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString(undefined, { year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" });
}

/** Format an age in seconds as the largest whole unit ("3 days"). */
export function formatAge(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined) return "—";
  const units: Array<[number, string]> = [[86400, "day"], [3600, "hour"], [60, "minute"]];
  for (const [size, name] of units) {
    if (seconds >= size) {
      const n = Math.floor(seconds / size);
      return `${n} ${name}${n === 1 ? "" : "s"}`;
    }
  }
  return "less than a minute";
}
