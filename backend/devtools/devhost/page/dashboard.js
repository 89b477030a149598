// Local stand-in for an Azure DevOps dashboard: one instance of each widget contribution, sized on the
// 160 px grid, called through preload/load/reload, and the configuration panel with a live preview
// (shared/reference/widgets-and-work-item-form.md §1-2).
import { el } from "./dom.js";
import { mountFrame, record, resolveRegistered, unmountFrame } from "./frames.js";

const CELL = 160;
const REGISTER_WAIT_MS = 3000;
const GAP = 10;
const EVENT_CHANGE = "ms.vss-dashboards-web.configurationChange";
const EVENT_ERROR = "ms.vss-dashboards-web.configurationError";
const EVENT_GENERAL = "ms.vss-dashboards-web.generalSettingsChanged";

function pixels(size) {
  return { width: CELL * size.columnSpan + GAP * (size.columnSpan - 1), height: CELL * size.rowSpan + GAP * (size.rowSpan - 1) };
}

/** Settings persisted per widget for this browser session (a real dashboard stores them via REST). */
function loadSettings(widget) {
  const saved = sessionStorage.getItem(`rb-widget-${widget.id}`);
  if (saved) return JSON.parse(saved);
  const sizes = widget.properties.supportedSizes;
  return { name: widget.properties.name, size: sizes[0], customSettings: { data: null, version: { major: 1, minor: 0, patch: 0 } } };
}

function saveSettings(widget, settings) {
  sessionStorage.setItem(`rb-widget-${widget.id}`, JSON.stringify(settings));
}

function registeredIds(contribution) {
  return [contribution.relativeId, contribution.id, contribution.properties.registeredObjectId];
}

/**
 * Resolve the widget's registered object. A frame that counted as loaded at the handshake may register
 * a moment later, so retry for a bounded time, as the real dashboard does.
 */
async function resolveWidget(frame) {
  const deadline = performance.now() + (frame.waitForLoaded ? 0 : REGISTER_WAIT_MS);
  for (;;) {
    const widget = await resolveRegistered(frame, registeredIds(frame.contribution));
    if (widget || performance.now() >= deadline) return widget;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Call preload (when present) then load or reload, and show the status the way the host does. */
async function runWidget(frame, tile, settings, method) {
  const banner = tile.querySelector(".rb-widget-banner");
  banner.textContent = "";
  banner.className = "rb-widget-banner";
  try {
    await frame.loaded.promise;
    frame.widget = frame.widget || (await resolveWidget(frame));
    if (!frame.widget) throw new Error(`The widget did not register ${frame.contribution.relativeId}.`);
    if (method === "load" && typeof frame.widget.preload === "function") await frame.widget.preload(settings);
    const status = await frame.widget[method](settings);
    if (!status || typeof status !== "object") throw new Error("The widget returned no WidgetStatus.");
    record(`widget.${method}`, frame.name, { statusType: status.statusType, settings });
    if (status.statusType === 2) {
      banner.textContent = "Configure this widget to see its data.";
      banner.classList.add("rb-unconfigured");
    }
    return status;
  } catch (error) {
    const message = error && error.isUserVisible !== false && error.message ? error.message : "This widget failed to load.";
    record(`widget.${method}.failed`, frame.name, { message });
    banner.textContent = message;
    banner.classList.add("rb-error");
    return null;
  }
}

function mountWidget(ctx, host, container, widget, settings, label) {
  const tile = el("div", { class: "rb-widget-tile", "data-widget": label }, el("div", { class: "rb-widget-banner" }));
  const { width, height } = pixels(settings.size);
  tile.style.width = `${width}px`;
  tile.style.height = `${height}px`;
  container.append(tile);
  const frame = mountFrame(ctx, tile, widget, { ...host.frameOptions(), legacy: true, label });
  frame.tile = tile;
  return frame;
}

function resizeTile(frame, size) {
  const { width, height } = pixels(size);
  frame.tile.style.width = `${width}px`;
  frame.tile.style.height = `${height}px`;
}

/** Render the dashboard page into `root`; returns a cleanup function. */
export function renderDashboard(ctx, host, root) {
  const widgets = ctx.contributions.filter((c) => c.type === "ms.vss-dashboards-web.widget");
  const grid = el("div", { class: "rb-dashboard-grid" });
  root.append(el("div", { class: "rb-page-header" }, el("h1", {}, "Overview dashboard")), grid);
  const frames = [];
  let panel = null;
  for (const widget of widgets) {
    const settings = loadSettings(widget);
    const cell = el("div", { class: "rb-widget-cell" });
    const frame = mountWidget(ctx, host, cell, widget, settings, widget.relativeId);
    const config = ctx.contributions.find(
      (c) => c.type === "ms.vss-dashboards-web.widget-configuration" && widget.targets.some((t) => t === c.id || t === `.${c.relativeId}`),
    );
    if (config) {
      cell.prepend(
        el("button", { class: "rb-button", "data-action": "configure", onclick: () => {
          if (panel) panel.close();
          panel = openConfiguration(ctx, host, root, widget, config, frame, () => (panel = null));
        } }, "Configure"),
      );
    }
    grid.append(cell);
    frames.push(frame);
  }
  // Load every widget, then tell those that want it that the dashboard is complete (optional method).
  void Promise.all(frames.map((frame) => runWidget(frame, frame.tile, loadSettings(frame.contribution), "load"))).then(() =>
    frames.forEach((frame) => {
      if (frame.widget && typeof frame.widget.onDashboardLoaded === "function") void frame.widget.onDashboardLoaded();
    }),
  );
  return () => {
    if (panel) panel.close();
    frames.forEach(unmountFrame);
  };
}

function openConfiguration(ctx, host, root, widget, config, dashboardFrame, onClose) {
  const saved = loadSettings(widget);
  let current = JSON.parse(JSON.stringify(saved));
  let latestNotify = 0;
  const sizes = widget.properties.supportedSizes;
  const error = el("div", { class: "rb-config-error", role: "alert" });
  const nameInput = el("input", { id: "widget-name", value: current.name, "aria-label": "Widget name" });
  const sizeSelect = el("select", { id: "widget-size", "aria-label": "Widget size" },
    ...sizes.map((s, i) => el("option", { value: String(i) }, `${s.columnSpan} × ${s.rowSpan}`)));
  sizeSelect.value = String(sizes.findIndex((s) => s.rowSpan === current.size.rowSpan && s.columnSpan === current.size.columnSpan));
  const saveButton = el("button", { class: "rb-button rb-primary", id: "config-save", disabled: "" }, "Save");
  const previewCell = el("div", { class: "rb-preview" });
  const configCell = el("div", { class: "rb-config-frame" });
  const general = [];
  if (widget.properties.isNameConfigurable !== false) general.push(el("label", {}, "Name ", nameInput));
  if (sizes.length > 1) general.push(el("label", {}, "Size ", sizeSelect));
  const panelEl = el("aside", { class: "rb-config-panel", "data-panel": "configuration" },
    el("h2", {}, "Configuration"), error, ...general, configCell,
    el("div", { class: "rb-row" }, saveButton, el("button", { class: "rb-button", id: "config-cancel", onclick: () => close() }, "Cancel")));
  const overlay = el("div", { class: "rb-config-overlay" }, el("div", { class: "rb-preview-area" }, el("h3", {}, "Preview"), previewCell), panelEl);
  root.append(overlay);

  const preview = mountWidget(ctx, host, previewCell, widget, current, `${widget.relativeId}:preview`);
  void runWidget(preview, preview.tile, current, "load");
  const configFrame = mountFrame(ctx, configCell, config, {
    ...host.frameOptions(),
    legacy: true,
    label: config.relativeId,
    onResize: (_w, h) => (configFrame.iframe.style.height = `${Math.max(120, h)}px`),
  });

  const updatePreview = () => {
    resizeTile(preview, current.size);
    return runWidget(preview, preview.tile, current, "reload");
  };
  const context = {
    notify: async (event, args) => {
      if (!args || typeof args !== "object" || !("data" in args)) throw new Error("Malformed notification: eventArgs.data is required.");
      const sequence = ++latestNotify;
      record("config.notify", config.relativeId, { event, data: args.data });
      if (event === EVENT_CHANGE) {
        error.textContent = "";
        current = { ...current, customSettings: args.data };
        saveButton.removeAttribute("disabled");
        await updatePreview();
      } else if (event === EVENT_ERROR) {
        error.textContent = String(args.data);
      } else if (event === EVENT_GENERAL) {
        const data = typeof args.data === "string" ? JSON.parse(args.data) : args.data;
        current = { ...current, name: data.WidgetName ?? current.name, size: data.WidgetSize ?? current.size };
        await updatePreview();
      }
      // Only the latest notification resolves; earlier ones are stale (IWidgetConfigurationContext).
      if (sequence !== latestNotify) return new Promise(() => {});
      return { getResponse: async () => "" };
    },
  };
  nameInput.addEventListener("change", () => {
    current = { ...current, name: nameInput.value };
    saveButton.removeAttribute("disabled");
    void updatePreview();
  });
  sizeSelect.addEventListener("change", () => {
    current = { ...current, size: sizes[Number(sizeSelect.value)] };
    saveButton.removeAttribute("disabled");
    void updatePreview();
  });

  let configObject = null;
  void (async () => {
    try {
      await configFrame.loaded.promise;
      configObject = await resolveRegistered(configFrame, registeredIds(config));
      if (!configObject) throw new Error(`The configuration did not register ${config.relativeId}.`);
      const status = await configObject.load(current, context);
      if (!status || typeof status !== "object") throw new Error("The configuration returned no WidgetStatus.");
      record("config.load", config.relativeId, { statusType: status.statusType });
    } catch (e) {
      error.textContent = (e && e.message) || "The configuration failed to load.";
      record("config.load.failed", config.relativeId, { message: error.textContent });
    }
  })();

  saveButton.addEventListener("click", async () => {
    if (!configObject) return;
    try {
      const result = await configObject.onSave();
      if (!result || result.isValid !== true) throw new Error("invalid");
      const settings = { ...current, customSettings: result.customSettings };
      saveSettings(widget, settings);
      record("config.saved", config.relativeId, { settings });
      if (typeof configObject.onSaveComplete === "function") await configObject.onSaveComplete();
      close();
      resizeTile(dashboardFrame, settings.size);
      await runWidget(dashboardFrame, dashboardFrame.tile, settings, "reload");
    } catch {
      error.textContent = "These settings are not valid. Fix them and save again.";
      record("config.saveRejected", config.relativeId);
    }
  });

  function close() {
    unmountFrame(preview);
    unmountFrame(configFrame);
    overlay.remove();
    onClose();
  }
  return { close };
}
