// Loading, empty and error states every contribution shows, plus mounting the React root.
import "azure-devops-ui/Core/override.css";
import "./page.css";

import { MessageCard, MessageCardSeverity } from "azure-devops-ui/MessageCard";
import { Spinner, SpinnerSize } from "azure-devops-ui/Spinner";
import * as React from "react";
import * as ReactDOM from "react-dom";

import { plural } from "./words";

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
 * Mount `element()` once the page is only waiting for the network (`waiting` resolved: its requests are
 * on their way), or once `pending` has settled, whichever is first. Rendering the page's frame (cold
 * React and azure-devops-ui code, the costliest step of a load) then overlaps the wait for the data
 * instead of delaying the SDK handshake or following the data.
 */
export function mountWhileWaiting(pending: Pending<unknown>, waiting: Promise<unknown>, element: () => React.ReactElement): void {
  let mounted = false;
  const go = () => {
    if (!mounted) mount(element());
    mounted = true;
  };
  // A task of its own: the fetch() calls the requests' microtasks make have run by then.
  void waiting.then(() => window.setTimeout(go, 0));
  pending.promise.then(go, go); // after Pending's own reactions: `outcome` is set by then
}

/**
 * A spinner with a label, shown while data is on its way. The visible label is the text assistive
 * technology reads, in a status region: the Spinner's own ariaLabel puts aria-label on a plain div
 * (which ARIA does not allow, axe "aria-prohibited-attr") and says the label twice.
 */
export function Loading(props: { label: string }): React.ReactElement {
  return (
    <div className="rb-state" data-state="loading" role="status">
      <Spinner size={SpinnerSize.medium} />
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
      return plural(n, name);
    }
  }
  return "less than a minute";
}
