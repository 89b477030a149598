// What the hub reads from the backend for one view of its table, and everything a first load reads.
//
// A deep link (`?reportId=` in the host page's URL: the link every bug Report Bridge creates carries back
// to its report, backend/azdo/tasks.py HUB_LINK) opens the hub on that report's problem alone, expanded,
// with the report first among its reports; an id this project does not have says so in a sentence.
import type { IHostNavigationService } from "azure-devops-extension-api/Common";
import * as SDK from "azure-devops-extension-sdk";

import { GroupPage, GroupSort, Me, Report, ReportPage } from "../shared/model";
import { BackendError, backendFetch, callOptional, fetchMe, loadPageInfo, PageInfo, tokenAtHand } from "../shared/sdk";
import { Expansion } from "./group-table";

export const PAGE_SIZE = 10;
export const EXPANDED_PAGE = 20;
export const REPORT_ID_PARAM = "reportId";
// CommonServiceIds.HostNavigationService (a const enum in the typings, which isolated modules cannot read)
const HOST_NAVIGATION_SERVICE = "ms.vss-features.host-navigation-service";

export type View = "groups" | "reports";

/** Which page of which view, filtered how; `linkedReportId` shows that report's problem instead. */
export interface PageQuery {
  view: View;
  sort: GroupSort;
  query: string;
  status: string;
  cursors: Array<string | null>;
  linkedReportId?: string;
}

/** The report a deep link named: `report` is null when this project has no such report. */
export interface Linked {
  reportId: string;
  report: Report | null;
}

/** What one read puts on screen (the hub's state after it). */
export interface PageRead extends PageQuery {
  groups?: GroupPage;
  reports?: ReportPage;
  expanded?: Record<string, Expansion>;
  linked?: Linked;
}

/** Everything a first load (and every "Try again") reads before the hub renders its data. */
export interface FirstLoad {
  info: PageInfo;
  me: Me;
  page: PageRead;
}

export const FIRST_QUERY: PageQuery = { view: "groups", sort: "newest", query: "", status: "", cursors: [null] };

/**
 * Page info, /me and the first page, all requested as soon as the SDK handshake allows; the deep link is
 * asked of the host at the same time, so a load without one waits for nothing extra. `requested` is
 * called once those backend calls are on their way (the page renders its frame meanwhile).
 */
export async function readFirstLoad(query: PageQuery, known?: PageInfo, requested?: () => void): Promise<FirstLoad> {
  const info = known ?? (await loadPageInfo());
  const linkedId = query.linkedReportId !== undefined || query.cursors.length > 1
    ? Promise.resolve(query.linkedReportId)
    : linkedReportId();
  const me = fetchMe(info);
  const plain = readPage(info, { ...query, linkedReportId: undefined });
  if (requested) void tokenAtHand().then(requested);
  const reportId = await linkedId;
  if (reportId) plain.catch(() => undefined); // not shown: the linked report's problem is
  const page = reportId ? await readPage(info, { ...query, linkedReportId: reportId }) : await plain;
  return { info, me: await me, page };
}

/** The `?reportId=` of the host page's URL, if any (a host without the navigation service has none). */
async function linkedReportId(): Promise<string | undefined> {
  try {
    const navigation = await SDK.getService<IHostNavigationService>(HOST_NAVIGATION_SERVICE);
    const params = await callOptional(navigation, "getQueryParams", {} as Record<string, string>);
    const id = params?.[REPORT_ID_PARAM];
    return typeof id === "string" && id.trim() ? id.trim() : undefined;
  } catch {
    return undefined;
  }
}

/** Drop `?reportId=` from the host page's URL, so a reload shows what the user chose instead. */
export async function forgetLinkedReport(): Promise<void> {
  try {
    const navigation = await SDK.getService<IHostNavigationService>(HOST_NAVIGATION_SERVICE);
    await callOptional(navigation, "setQueryParams", undefined, { [REPORT_ID_PARAM]: "" });
  } catch {
    // A host without the service keeps its URL; the page already shows every problem.
  }
}

/** Read the page `query` names (only its PageQuery fields count: callers may pass more). */
export async function readPage(info: PageInfo, query: PageQuery): Promise<PageRead> {
  const { view, sort, status, cursors, linkedReportId: linked } = query;
  const q: PageQuery = { view, sort, query: query.query, status, cursors, linkedReportId: linked };
  if (q.linkedReportId) return readLinked(info, q, q.linkedReportId);
  const params = new URLSearchParams({ limit: String(PAGE_SIZE) });
  if (q.query) params.set("q", q.query);
  if (q.status) params.set("status", q.status);
  const cursor = q.cursors[q.cursors.length - 1];
  if (cursor) params.set("cursor", cursor);
  if (q.view === "groups") {
    params.set("sort", q.sort);
    return { ...q, groups: await backendFetch<GroupPage>(info, `/groups?${params.toString()}`) };
  }
  return { ...q, reports: await backendFetch<ReportPage>(info, `/reports?${params.toString()}`) };
}

/** The linked report's problem as a one-row page, expanded, the report first among its reports. */
async function readLinked(info: PageInfo, q: PageQuery, reportId: string): Promise<PageRead> {
  const base = { ...q, view: "groups" as View, linkedReportId: reportId };
  let report: Report;
  try {
    report = await backendFetch<Report>(info, `/reports/${encodeURIComponent(reportId)}`);
  } catch (error) {
    // 404: not in this project (deleted, another project's, another organization's); 400: not an id.
    if (error instanceof BackendError && (error.status === 404 || error.status === 400)) {
      return { ...base, groups: { items: [], nextCursor: null }, expanded: {}, linked: { reportId, report: null } };
    }
    throw error;
  }
  const [group, reports] = await Promise.all([
    backendFetch<GroupPage["items"][number]>(info, `/groups/${encodeURIComponent(report.groupId)}`),
    readGroupReports(info, report.groupId, null),
  ]);
  const expansion = { ...reports, reports: linkedFirst(reports.reports, report), loading: false };
  return {
    ...base,
    groups: { items: [group], nextCursor: null },
    expanded: { [group.id]: expansion },
    linked: { reportId, report },
  };
}

/** Read (a further page of) a group's reports. */
export async function readGroupReports(info: PageInfo, groupId: string, cursor: string | null): Promise<Expansion> {
  const params = new URLSearchParams({ limit: String(EXPANDED_PAGE) });
  if (cursor) params.set("cursor", cursor);
  const page = await backendFetch<ReportPage>(info, `/groups/${encodeURIComponent(groupId)}/reports?${params.toString()}`);
  return { reports: page.items, nextCursor: page.nextCursor, loading: false };
}

/** `reports` with `linked` first (once), when it is one of this group's. */
export function linkedFirst(reports: Report[], linked: Report | null | undefined): Report[] {
  if (!linked) return reports;
  return [linked, ...reports.filter((r) => r.id !== linked.id)];
}
