// Following the groups whose bug is being created: the outbox worker creates the bug a moment later, so
// the hub asks about each such group until the worker has linked it (or given up), then re-reads.
import { Group } from "../shared/model";

const POLL_MS = 1500;
const POLL_SLOW_MS = 10000; // after a minute the worker may be down: keep asking, less often
const POLL_FAST = 40;

export interface BugPollHooks {
  /** The group as the backend has it now. */
  read(groupId: string): Promise<Group>;
  /** The bug is linked (or the worker gave up): show it. */
  settled(): Promise<void>;
  failed(error: unknown): void;
}

/** One timer a group at most; `stop` when the page goes away. */
export class BugPolls {
  private timers = new Map<string, number>();
  private stopped = false; // an answer that arrives after `stop` schedules nothing more

  constructor(private readonly hooks: BugPollHooks) {}

  follow(groupId: string, attempt = 0): void {
    if (this.stopped || this.timers.has(groupId)) return;
    const timer = window.setTimeout(async () => {
      this.timers.delete(groupId);
      try {
        const group = await this.hooks.read(groupId);
        if (group.bugPending) this.follow(groupId, attempt + 1);
        else await this.hooks.settled();
      } catch (error) {
        this.hooks.failed(error);
      }
    }, attempt < POLL_FAST ? POLL_MS : POLL_SLOW_MS);
    this.timers.set(groupId, timer);
  }

  stop(): void {
    this.stopped = true;
    this.timers.forEach((timer) => window.clearTimeout(timer));
    this.timers.clear();
  }
}
