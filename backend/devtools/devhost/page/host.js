// The local Azure DevOps host page: a left nav like Azure DevOps (Boards hub, work items, dashboard),
// each contribution framed from the extension's static origin, theme switching, and an event log.
import { renderDashboard } from "./dashboard.js";
import { el } from "./dom.js";
import { broadcastTheme, events, mountFrame, record, resolveRegistered, trace, unmountFrame } from "./frames.js";
import { THEMES } from "./themes.js";
import { WorkItemForm } from "./workitems.js";

const FORM_SERVICE = "ms.vss-work-web.work-item-form";
const FORM_NAVIGATION_SERVICE = "ms.vss-work-web.work-item-form-navigation-service";
const HOST_NAVIGATION_SERVICE = "ms.vss-features.host-navigation-service";

window.hostEvents = events;
window.hostTrace = trace;

const state = { ctx: null, theme: localStorage.getItem("rb-theme") === "dark" ? "dark" : "light", cleanup: null, form: null, formFrames: [] };

const host = {
  frameOptions() {
    return {
      themeData: () => THEMES[state.theme],
      theme: () => (state.theme === "dark" ? "ms.vss-web.vsts-theme-dark" : "ms.vss-web.vsts-theme"),
      services,
    };
  },
};

function services(id) {
  if (id === FORM_SERVICE) {
    if (!state.form) throw new Error("The work item form service is only available on a work item form.");
    return state.form.service();
  }
  if (id === FORM_NAVIGATION_SERVICE) {
    return {
      openWorkItem: async (workItemId) => {
        location.hash = `#/work-items/${workItemId}`;
        return { id: workItemId };
      },
      openNewWorkItem: async () => {
        throw new Error("Creating work items is not available in the local host.");
      },
    };
  }
  if (id === HOST_NAVIGATION_SERVICE) {
    // The host page's query string, as Azure DevOps gives a hub its page URL's (?reportId= deep links).
    return {
      getQueryParams: async () => Object.fromEntries(new URLSearchParams(location.search)),
      setQueryParams: async (params) => {
        const query = new URLSearchParams(location.search);
        Object.entries(params).forEach(([k, v]) => (v ? query.set(k, v) : query.delete(k))); // empty removes
        history.replaceState(null, "", `${location.pathname}${query.size ? `?${query}` : ""}${location.hash}`);
      },
    };
  }
  throw new Error(`The service ${id} is not available in the local host.`);
}

function setTheme(name) {
  state.theme = name;
  localStorage.setItem("rb-theme", name);
  document.documentElement.dataset.theme = name;
  applyHostTheme();
  record("hostTheme", "host", { theme: name });
  broadcastTheme(name, THEMES[name]);
}

function applyHostTheme() {
  const data = THEMES[state.theme];
  const css = Object.entries(data).map(([k, v]) => `--${k}: ${v};`).join(" ");
  document.getElementById("host-theme").textContent = `:root { ${css} }`;
  document.getElementById("theme-toggle").textContent = state.theme === "dark" ? "Light theme" : "Dark theme";
}

const ROUTES = [
  { match: /^#\/boards\/customer-reports$/, render: renderHub, nav: "hub" },
  { match: /^#\/work-items\/(\d+)$/, render: renderWorkItems, nav: "work-items" },
  { match: /^#\/dashboard$/, render: (root) => renderDashboard(state.ctx, host, root), nav: "dashboard" },
];

async function route() {
  const found = ROUTES.find((r) => r.match.test(location.hash));
  if (!found) {
    location.hash = "#/boards/customer-reports";
    return;
  }
  const match = location.hash.match(found.match);
  // Same page, other work item: keep the frames and switch the form (no new handshake).
  if (found.nav === "work-items" && state.form && state.cleanup) {
    await switchWorkItem(Number(match[1]));
    return;
  }
  if (state.cleanup) state.cleanup();
  state.cleanup = null;
  const root = document.getElementById("content");
  root.replaceChildren();
  document.querySelectorAll("[data-nav]").forEach((a) => a.classList.toggle("selected", a.dataset.nav === found.nav));
  state.cleanup = found.render(root, match);
}

function renderHub(root) {
  const hub = state.ctx.contributions.find((c) => c.relativeId === "customer-reports");
  root.append(el("div", { class: "rb-breadcrumb" }, "Boards › ", el("strong", {}, hub.properties.name)));
  const area = el("div", { class: "rb-hub-area" });
  root.append(area);
  const frame = mountFrame(state.ctx, area, hub, host.frameOptions());
  return () => unmountFrame(frame);
}

function renderWorkItems(root, match) {
  const ctx = state.ctx;
  const groups = ctx.contributions.filter((c) => c.type === "ms.vss-work-web.work-item-form-group");
  const list = el("nav", { class: "rb-wi-list", "aria-label": "Work items" });
  const formArea = el("section", { class: "rb-wi-form" });
  const side = el("section", { class: "rb-wi-side" });
  root.append(el("div", { class: "rb-wi-layout" }, list, formArea, side));
  const render = () => renderForm(formArea, list);
  state.form = new WorkItemForm(ctx.workItems, ctx.orgUrl, notifyListeners, render);
  state.form.activeId = Number(match[1]);
  render();
  state.formFrames = groups.map((group) => {
    const box = el("div", { class: "rb-group", "data-group": group.relativeId }, el("h3", {}, group.properties.name));
    side.append(box);
    const frame = mountFrame(ctx, box, group, {
      ...host.frameOptions(),
      onResize: (_w, h) => (frame.iframe.style.height = `${Math.max(80, Math.min(h, 2000))}px`),
    });
    frame.iframe.style.height = `${group.properties.height || 300}px`;
    // The work item is open when the form's frames load: tell each listener once it is loaded. A frame
    // that reported load failure gets no call (and its rejection is handled: the failure is already shown).
    frame.loaded.promise.then(() => callListener(frame, "onLoaded", { id: state.form.activeId, isNew: false, isReadOnly: false }), () => {});
    return frame;
  });
  return () => {
    state.formFrames.forEach(unmountFrame);
    state.formFrames = [];
    state.form = null;
  };
}

async function switchWorkItem(id) {
  if (state.form.activeId === id) return;
  record("workItemSwitch", "host", { from: state.form.activeId, to: id });
  await state.form.open(id);
}

async function callListener(frame, method, args) {
  if (frame.failed) return;
  if (frame.listener === undefined) {
    const c = frame.contribution;
    frame.listener = await resolveRegistered(frame, [c.id, c.relativeId]);
  }
  const listener = frame.listener;
  if (!listener || typeof listener[method] !== "function") return;
  record(`listener.${method}`, frame.name, args);
  try {
    await listener[method](args);
  } catch (e) {
    record("hostError", frame.name, { method, message: String(e && e.message) });
  }
}

async function notifyListeners(method, args) {
  await Promise.all(state.formFrames.map((frame) => frame.loaded.promise.then(() => callListener(frame, method, args), () => {})));
}

function renderForm(formArea, list) {
  const form = state.form;
  list.replaceChildren(
    ...[...form.items.values()].map((item) =>
      el("a", { href: `#/work-items/${item.id}`, class: item.id === form.activeId ? "selected" : "", "data-work-item": String(item.id) },
        el("span", { class: "rb-wi-id" }, String(item.id)), " ", item.current["System.Title"])),
  );
  const item = form.active;
  if (!item) {
    formArea.replaceChildren(el("p", {}, "No work item is open."));
    return;
  }
  const title = el("input", { id: "wi-title", value: item.current["System.Title"], "aria-label": "Title" });
  title.addEventListener("change", () => void form.setFields({ "System.Title": title.value }));
  const stateSelect = el("select", { id: "wi-state", "aria-label": "State" },
    ...["New", "Active", "Resolved", "Closed"].map((s) => el("option", { value: s }, s)));
  stateSelect.value = item.current["System.State"];
  stateSelect.addEventListener("change", () => void form.setFields({ "System.State": stateSelect.value }));
  const dirty = form.dirtyRefs(item).length > 0;
  const problem = el("div", { class: "rb-config-error", role: "alert", id: "wi-error" });
  const act = (fn) => () => {
    problem.textContent = "";
    fn().catch((e) => (problem.textContent = e.message));
  };
  formArea.replaceChildren(
    el("div", { class: "rb-wi-header" }, el("span", { class: "rb-wi-type" }, item.current["System.WorkItemType"]), " ",
      el("span", { class: "rb-wi-id" }, String(item.id)), dirty ? el("span", { class: "rb-dirty" }, " (unsaved)") : ""),
    el("label", {}, "Title", title),
    el("label", {}, "State", stateSelect),
    el("div", { class: "rb-muted" }, `Revision ${item.revision} · Assigned to ${item.current["System.AssignedTo"] || "nobody"}`),
    item.error ? el("div", { class: "rb-config-error" }, item.error) : "",
    problem,
    el("div", { class: "rb-row" },
      el("button", { class: "rb-button rb-primary", id: "wi-save", onclick: act(() => form.save()) }, "Save"),
      el("button", { class: "rb-button", id: "wi-refresh", onclick: act(() => form.refresh()) }, "Refresh"),
      el("button", { class: "rb-button", id: "wi-reset", onclick: act(() => form.reset()) }, "Undo"),
      // Like closing the work item dialog: groups get onUnloaded and the form service has no item.
      el("button", { class: "rb-button", id: "wi-close", onclick: act(() => form.close()) }, "Close")),
  );
}

function renderEventLog() {
  const log = document.getElementById("event-log");
  if (!log || log.hidden) return;
  log.textContent = events.slice(-40).map((e) => `${e.at}ms ${e.contribution} ${e.type}`).join("\n");
}

async function main() {
  const response = await fetch("api/host-context");
  state.ctx = await response.json();
  const ctx = state.ctx;
  document.getElementById("org-name").textContent = ctx.host.name;
  document.getElementById("project-name").textContent = ctx.project.name;
  document.getElementById("user-name").textContent = ctx.user.displayName;
  document.getElementById("theme-toggle").addEventListener("click", () => setTheme(state.theme === "dark" ? "light" : "dark"));
  document.getElementById("log-toggle").addEventListener("click", () => {
    const log = document.getElementById("event-log");
    log.hidden = !log.hidden;
    renderEventLog();
  });
  document.querySelector('[data-nav="work-items"]').setAttribute("href", `#/work-items/${ctx.workItems[0].id}`);
  document.addEventListener("host-event", renderEventLog);
  document.documentElement.dataset.theme = state.theme;
  applyHostTheme();
  window.addEventListener("hashchange", () => void route());
  window.hostReady = true;
  await route();
}

void main();
