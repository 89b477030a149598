// Overlapping reads (a filter changed twice, a dashboard reloading a widget while its last load is still
// on its way): answers can arrive in any order, and only the newest read's may reach the screen.

/** Tells each read whether it is still the newest one begun. */
export class Latest {
  private newest = 0;

  /** Start a read; the function returned says whether no read has begun (or been cancelled) since. */
  begin(): () => boolean {
    const mine = ++this.newest;
    return () => mine === this.newest;
  }

  /** Make every read begun so far stale (the page moved on: a work item was unloaded). */
  cancel(): void {
    this.newest++;
  }
}
