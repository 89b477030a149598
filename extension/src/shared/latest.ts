// Overlapping reads (a filter changed twice, a dashboard reloading a widget while its last load is still
// on its way, a group's "more" read overtaken by the re-read an action starts): answers can arrive in any
// order, and only the newest read's may reach the screen.

/** Tells each read whether it is still the newest one begun for its key (one key when there is none). */
export class Latest<Key = void> {
  private begun = 0;
  private readonly newest = new Map<Key, number>();

  /** Start a read; the function returned says whether no read has begun for `key` (or been cancelled) since. */
  begin(key: Key): () => boolean {
    const mine = ++this.begun;
    this.newest.set(key, mine);
    return () => this.newest.get(key) === mine;
  }

  /** Make every read begun so far stale (the page moved on: a work item was unloaded). */
  cancel(): void {
    this.newest.clear();
  }
}
