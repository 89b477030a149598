// Shared glue for every contribution: SDK start-up, backend calls with the app token, load reporting.
//
// Where the backend lives: each environment's package carries `dist/config.json` ({"backendUrl": ...})
// next to the bundles, read at run time from the page's own origin (the Marketplace CDN, or the local
// static origin in development). The bundles themselves contain nothing environment-specific, so the
// same build is packaged for dev and prod. Hubs get no SDK.getConfiguration() from Azure DevOps, so the
// configuration cannot come from the host for every contribution type.
import * as SDK from "azure-devops-extension-sdk";

import { Me } from "./model";

export const BACKEND_PREFIX = "/api/v1";

/** Everything a contribution needs to call the backend for the current organization and project. */
export interface PageInfo {
  backendUrl: string;
  orgId: string;
  orgName: string;
  projectId: string;
  projectName: string;
}

/** A backend answer that is not 2xx, in the contract's one error shape. */
export class BackendError extends Error {
  readonly status: number;
  readonly code: string;

  constructor(status: number, code: string, message: string) {
    super(message);
    this.name = "BackendError";
    this.status = status;
    this.code = code;
  }
}

/** fetch() itself failed: the service could not be reached (offline, DNS, refused, CORS). */
export class NetworkError extends Error {
  constructor(cause: unknown) {
    super(cause instanceof Error ? cause.message : String(cause));
    this.name = "NetworkError";
  }
}

/** fetch(), with its own failures (and only those) turned into NetworkError. */
async function fetchOrNetworkError(input: string, init?: RequestInit): Promise<Response> {
  try {
    return await fetch(input, init);
  } catch (error) {
    throw new NetworkError(error);
  }
}

/**
 * Call an optional method of a host service (one a host may lack, such as the work item form's
 * `hasActiveWorkItem` on older hosts): its result, or `fallback` when the host has no such method.
 */
export async function callOptional<S, R>(service: S, method: keyof S, fallback: R, ...args: unknown[]): Promise<R> {
  const fn = (service as Record<keyof S, unknown>)[method];
  if (typeof fn !== "function") return fallback;
  return (await (fn as (...a: unknown[]) => Promise<R>).apply(service, args)) as R;
}

interface ErrorBody {
  error?: { code?: string; message?: string };
}

let backendUrl: Promise<string> | undefined;

/** Start the SDK without reporting "loaded": the page reports it once its data is on screen. */
export function startSdk(): Promise<void> {
  performance.mark("report-bridge:start"); // bench/ui_load.py: the bundle has been parsed and run to here
  // config.json does not depend on the handshake: fetch both at once.
  backendUrl = readBackendUrl();
  backendUrl.catch(() => undefined);
  const handshake = SDK.init({ loaded: false, applyTheme: true });
  // Neither does the app token: until the handshake pins the host's origin, every message carries the
  // handshake token and the host answers in order, so the token is asked for with the handshake instead
  // of after the page's first render and the handshake's reply.
  void appToken().catch(() => undefined);
  return handshake;
}

/** Wait for the handshake and read the org, project and backend URL. */
export async function loadPageInfo(): Promise<PageInfo> {
  await SDK.ready();
  const host = SDK.getHost();
  const project = SDK.getWebContext().project;
  if (!project || !project.id) {
    throw new Error("This page needs a project context, but the host did not provide one.");
  }
  return {
    backendUrl: await (backendUrl ?? readBackendUrl()),
    orgId: host.id,
    orgName: host.name,
    projectId: project.id,
    projectName: project.name,
  };
}

async function readBackendUrl(): Promise<string> {
  const response = await fetchOrNetworkError(new URL("../config.json", window.location.href).toString(), { cache: "no-store" });
  if (!response.ok) {
    throw new Error(`The extension's config.json could not be read (HTTP ${response.status}).`);
  }
  const body = parseJson(await response.text()) as { backendUrl?: unknown } | undefined;
  if (typeof body?.backendUrl !== "string" || !/^https?:\/\//.test(body.backendUrl)) {
    throw new Error("The extension's config.json has no valid backendUrl.");
  }
  return body.backendUrl.replace(/\/+$/, "");
}

let cachedToken: Promise<string> | undefined;

/** The current app token; `rejected` (a token the backend refused) is replaced, once, by a fresh one. */
function appToken(rejected?: Promise<string>): Promise<string> {
  // Parallel calls that all got a 401 with the same token share one refresh.
  if (cachedToken === undefined || (rejected !== undefined && cachedToken === rejected)) {
    const request = SDK.getAppToken();
    request.catch(() => cachedToken === request && (cachedToken = undefined)); // failures are not cached
    cachedToken = request;
  }
  return cachedToken;
}

/**
 * Resolves once the app token is at hand: backend calls made before then have been sent by the time
 * this resolves (they wait on the same token, and were first in line). Never rejects.
 */
export function tokenAtHand(): Promise<void> {
  return appToken().then(() => undefined, () => undefined);
}

/** Call a project route of the backend as the current user (`path` is relative to the project). */
export function backendFetch<T>(
  info: PageInfo,
  path: string,
  init: { method?: string; body?: unknown } = {},
): Promise<T> {
  return apiFetch<T>(info, `/projects/${encodeURIComponent(info.projectId)}${path}`, init);
}

/** Ask the backend who the caller is and what this organization's service can do (GET /api/v1/me). */
export function fetchMe(info: PageInfo): Promise<Me> {
  return apiFetch<Me>(info, "/me");
}

/** Call the backend under /api/v1; on a 401 get a fresh app token and retry once. */
async function apiFetch<T>(info: PageInfo, path: string, init: { method?: string; body?: unknown } = {}): Promise<T> {
  const token = appToken();
  let response = await send(info, path, init, await token);
  if (response.status === 401) {
    response = await send(info, path, init, await appToken(token));
  }
  const text = await response.text();
  const body = text ? parseJson(text) : null;
  if (body === undefined) throw notTheApi(response); // an HTML page from a proxy, a gateway, a sign-in
  if (!response.ok) {
    const error = (body as ErrorBody | null)?.error;
    throw new BackendError(
      response.status,
      error?.code ?? `http_${response.status}`,
      error?.message ?? `The Report Bridge service answered HTTP ${response.status}.`,
    );
  }
  return body as T;
}

/** The parsed JSON, or undefined when the text is not JSON. */
function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** The error for an answer that is not the API's JSON: its status and a sentence, never a parser message. */
function notTheApi(response: Response): BackendError {
  const status = `HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ""}`;
  const sentence = response.ok
    ? `The Report Bridge service answered ${status}, but not with the data this page expects.`
    : `The Report Bridge service answered ${status} with a page instead of its API's error; something between this page and the service (a proxy or gateway) may be failing.`;
  return new BackendError(response.status, response.ok ? "invalid_response" : `http_${response.status}`, `${sentence} Try again in a moment.`);
}

function send(info: PageInfo, path: string, init: { method?: string; body?: unknown }, token: string) {
  const headers: Record<string, string> = {
    Authorization: `Bearer ${token}`,
    "X-Report-Bridge-Org-Id": info.orgId,
    "X-Report-Bridge-Org-Name": headerText(info.orgName),
    "X-Report-Bridge-Project-Name": headerText(info.projectName),
  };
  if (init.body !== undefined) headers["Content-Type"] = "application/json";
  return fetchOrNetworkError(`${info.backendUrl}${BACKEND_PREFIX}${path}`, {
    method: init.method ?? "GET",
    headers,
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
}

/**
 * A name as a header value: fetch() takes only Latin-1 there (it throws on "販売" before sending
 * anything), so names go percent-encoded UTF-8, which the backend decodes. A lone surrogate, which
 * encodeURIComponent refuses, becomes U+FFFD.
 */
function headerText(name: string): string {
  return encodeURIComponent(name.replace(/[\uD800-\uDFFF]/gu, "\uFFFD"));
}

/** Tell the host the page is ready, then size the frame to the content. */
export async function reportLoaded(): Promise<void> {
  await SDK.notifyLoadSucceeded();
  resizeToContent();
}

/** Tell the host the page failed to load (the page shows the error itself). */
export function reportFailed(error: unknown): void {
  void SDK.notifyLoadFailed(describeError(error));
}

/** Ask the host to size the frame to the rendered content, after layout settles. */
export function resizeToContent(): void {
  window.requestAnimationFrame(() => SDK.resize());
}

/** One line a user can act on, for any error a page can meet. */
export function describeError(error: unknown): string {
  if (error instanceof BackendError) {
    if (error.status === 401) return `You are not signed in to Report Bridge: ${error.message}`;
    if (error.status === 403) return `Report Bridge refused access: ${error.message}`;
    return `${error.message} (${error.code})`;
  }
  if (error instanceof NetworkError) {
    return "The Report Bridge service could not be reached. Check your connection and try again.";
  }
  // A bug in this page or a host without a method the page needs: say what broke, not "network".
  if (error instanceof TypeError) return `This page hit an unexpected error: ${error.message}`;
  if (error instanceof Error) return error.message;
  if (error && typeof error === "object" && "message" in error) return String((error as Error).message);
  return String(error);
}
