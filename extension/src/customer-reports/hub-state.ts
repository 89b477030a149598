// The hub's state, and the state each read leaves: a page read, a first load (page info, /me, a page).
import { GroupPage, Me, ReportPage } from "../shared/model";
import { PageInfo } from "../shared/sdk";
import { Triageable } from "./cells";
import { Expansion } from "./group-table";
import { FIRST_QUERY, FirstLoad, Linked, PageQuery, PageRead } from "./page-reads";

// Shown while the backend says it has no Azure DevOps connection for this organization (GET /me).
export const CREATE_BUG_UNAVAILABLE =
  "Creating bugs needs an Azure DevOps connection for this organization. Ask your Report Bridge administrator to configure one.";
// Until /me has answered, Create bug stays off: the backend has not said yet that it can create bugs.
export const CREATE_BUG_CHECKING = "Checking whether this organization can create bugs…";

export interface State extends PageQuery {
  info?: PageInfo;
  loadError?: string;
  loading: boolean;
  search: string;
  groups?: GroupPage;
  reports?: ReportPage;
  expanded: Record<string, Expansion>;
  linked?: Linked;
  actionError?: string;
  linking?: Triageable;
  createBugDisabledReason?: string;
}

export const INITIAL: State = {
  ...FIRST_QUERY, loading: true, search: "", expanded: {}, createBugDisabledReason: CREATE_BUG_CHECKING,
};

/** The state a page read leaves: what it read, and nothing stale from the page before. */
export function shown(page: PageRead): Partial<State> {
  return {
    groups: undefined, reports: undefined, linked: undefined, ...page, expanded: page.expanded ?? {},
    loading: false, loadError: undefined,
  };
}

/** The state a finished first load leaves. */
export function firstLoaded(first: FirstLoad): Partial<State> {
  return { info: first.info, createBugDisabledReason: createBugReason(first.me), ...shown(first.page) };
}

/** Why "Create bug" is off, or undefined when the backend says it can create bugs here. */
function createBugReason(me: Me): string | undefined {
  return me.capabilities?.createBug === true ? undefined : CREATE_BUG_UNAVAILABLE;
}
