// The backend contract's shapes (docs/architecture.md, "Backend HTTP contract (v1)").

export type Status = "new" | "linked" | "dismissed" | "resolved";
export const STATUSES: Status[] = ["new", "linked", "dismissed", "resolved"];
export type Severity = "low" | "medium" | "high" | "critical";

export interface WorkItemRef {
  id: number;
  title: string;
  state: string;
  url: string;
}

export interface Report {
  id: string;
  groupId: string;
  projectId: string;
  title: string;
  description: string;
  customerId: string;
  customerName: string;
  source: string;
  externalId: string;
  severity: Severity;
  link: string;
  status: Status;
  workItem: WorkItemRef | null;
  bugPending?: boolean;
  customersAffected: number;
  reportCount: number;
  createdAt: string;
  updatedAt: string;
}

export interface ReportPage {
  items: Report[];
  nextCursor: string | null;
}

/** Reports received on one UTC day ("YYYY-MM-DD"). */
export interface DailyCount {
  date: string;
  count: number;
}

export interface Impact {
  workItemId: number;
  reports: Report[];
  customersAffected: number;
  reportCount: number;
  firstReportedAt: string | null;
  lastReportedAt: string | null;
  dailyCounts: DailyCount[];
}

export interface DashboardSummary {
  countsByStatus: Record<Status, number>;
  untriagedCount: number;
  oldestUntriagedAt: string | null;
  oldestUntriagedAgeSeconds: number | null;
  dailyCounts: DailyCount[];
}

/** GET /api/v1/me; `capabilities` says what the service can do for this organization. */
export interface Me {
  userId: string;
  tenantId: string;
  organization: { id: string; name: string };
  capabilities?: { createBug?: boolean };
}

/** One problem however many customers report it (GET /groups); triage acts on it. */
export interface Group {
  id: string;
  projectId: string;
  title: string;
  status: Status;
  severity: Severity; // the highest of its reports
  customersAffected: number;
  reportCount: number;
  newestReportAt: string;
  oldestReportAt: string;
  workItem: WorkItemRef | null;
  bugPending: boolean;
  updatedAt: string;
}

export interface GroupPage {
  items: Group[];
  nextCursor: string | null;
}

export type GroupSort = "newest" | "customers" | "severity";
