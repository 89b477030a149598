// Framing contributions as Azure DevOps does: one iframe per contribution on the extension's own
// origin, the DevOps.HostControl / DevOps.ServiceManager objects, the handshake reply (current shape,
// or the legacy/union shape dashboards use), app tokens from the devhost, load events, resizing.
import { Channel } from "./xdm.js";

export const events = [];
export const trace = [];
const TRACE_LIMIT = 2000;
const HANDSHAKE_TIMEOUT_MS = 15000;
const liveFrames = new Set();

/** Record a host event the tests and the event panel read (window.hostEvents). */
export function record(type, contribution, detail = {}) {
  events.push({ type, contribution, detail, at: Math.round(performance.now()) });
  document.dispatchEvent(new CustomEvent("host-event"));
}

function deferred() {
  let resolve;
  let reject;
  const promise = new Promise((res, rej) => ((resolve = res), (reject = rej)));
  promise.catch(() => {});
  return { promise, resolve, reject };
}

function handshakeReply(ctx, contribution, options) {
  const webContext = {
    project: ctx.project,
    team: ctx.team,
    user: { id: ctx.user.id, name: ctx.user.name, email: ctx.user.name, uniqueName: ctx.user.name },
    host: { id: ctx.host.id, name: ctx.host.name, uri: ctx.orgUrl, relativeUri: "/" },
    collection: { id: ctx.host.id, name: ctx.host.name, uri: ctx.orgUrl, relativeUri: "/" },
    account: { id: ctx.host.id, name: ctx.host.name, uri: ctx.orgUrl, relativeUri: "/" },
  };
  const pageContext = {
    webContext,
    globalization: { culture: "en-US", theme: options.theme, timeZoneId: "UTC", timezoneOffset: 0, workingZoneTimeZoneId: "UTC" },
    timeZonesConfiguration: { defaultTimeZoneName: "UTC" },
  };
  const themeData = options.themeData;
  const initialConfig = options.initialConfig || {};
  if (options.legacy) {
    // Dashboards answer in the legacy shape (top-level pageContext); keep the current keys too.
    return {
      pageContext,
      initialConfig,
      contribution: { id: contribution.id, properties: contribution.properties },
      extensionContext: { publisherId: ctx.extension.publisherId, extensionId: ctx.extension.extensionId, version: ctx.extension.version, baseUri: ctx.extension.baseUri },
      contributionId: contribution.id,
      context: { user: ctx.user, host: ctx.host, extension: ctx.extension },
      themeData,
    };
  }
  return {
    contributionId: contribution.id,
    context: { extension: ctx.extension, user: ctx.user, host: ctx.host, pageContext },
    initialConfig,
    themeData,
  };
}

async function fetchToken(kind) {
  const response = await fetch(`api/${kind}`, { method: "POST" });
  if (!response.ok) throw new Error(`The local host could not issue a ${kind} (HTTP ${response.status}).`);
  return response.json();
}

/**
 * Put a contribution in an iframe and answer its SDK.
 * options: {legacy, initialConfig, services(id), onResize(w, h), label, themeData(), theme()}
 */
export function mountFrame(ctx, container, contribution, options) {
  const iframe = document.createElement("iframe");
  iframe.className = "rb-frame";
  iframe.title = contribution.properties.name;
  iframe.dataset.contribution = contribution.relativeId;
  if (options.label) iframe.dataset.label = options.label;
  const name = options.label || contribution.relativeId;
  const frame = { contribution, iframe, name, loaded: deferred(), handshaken: false, failed: null, listener: undefined };
  const hostControl = {
    initialHandshake(init) {
      frame.handshaken = true;
      record("handshake", name, { options: init });
      if (init && init.loaded === false) {
        frame.waitForLoaded = true;
      } else {
        frame.loaded.resolve();
      }
      return handshakeReply(ctx, contribution, { ...options, themeData: options.themeData(), theme: options.theme() });
    },
    async getAppToken() {
      const token = await fetchToken("app-token");
      record("getAppToken", name);
      return token;
    },
    async getAccessToken() {
      record("getAccessToken", name);
      return fetchToken("access-token");
    },
    notifyLoadSucceeded() {
      record("loadSucceeded", name);
      frame.loaded.resolve();
      container.classList.remove("rb-loading");
    },
    notifyLoadFailed(error) {
      const message = typeof error === "string" ? error : (error && error.message) || String(error);
      frame.failed = message;
      record("loadFailed", name, { message });
      container.classList.remove("rb-loading");
      frame.loaded.reject(new Error(message));
    },
    resize(width, height) {
      record("resize", name, { width, height });
      if (options.onResize) options.onResize(width, height);
    },
  };
  const registry = {
    "DevOps.HostControl": hostControl,
    "DevOps.ServiceManager": {
      getService(id) {
        record("getService", name, { id });
        return options.services(id);
      },
    },
  };
  frame.channel = new Channel(iframe, ctx.staticOrigin, registry, (direction, message) => {
    trace.push({ frame: name, direction, message });
    if (trace.length > TRACE_LIMIT) trace.shift();
  });
  frame.navigatedAt = performance.now();
  record("navigate", name, { uri: contribution.properties.uri });
  container.classList.add("rb-loading");
  iframe.src = ctx.extension.baseUri + contribution.properties.uri;
  container.appendChild(iframe);
  liveFrames.add(frame);
  // A frame that never says hello (missing bundle, script error) gets a visible note instead of a blank box.
  frame.watchdog = setTimeout(() => {
    if (frame.handshaken || !liveFrames.has(frame)) return;
    record("handshakeTimeout", name);
    container.classList.remove("rb-loading");
    const note = document.createElement("div");
    note.className = "rb-config-error";
    note.textContent = `${contribution.properties.name} did not start (no SDK handshake within ${HANDSHAKE_TIMEOUT_MS / 1000} s). Is extension/dist built?`;
    container.prepend(note);
  }, HANDSHAKE_TIMEOUT_MS);
  return frame;
}

/** Remove a frame and stop answering it. */
export function unmountFrame(frame) {
  if (!frame) return;
  clearTimeout(frame.watchdog);
  frame.channel.close();
  frame.iframe.remove();
  liveFrames.delete(frame);
}

/** Resolve an object the frame registered, trying each id in order (full id, relative id, ...). */
export async function resolveRegistered(frame, ids) {
  for (const id of ids.filter(Boolean)) {
    try {
      const object = await frame.channel.getRemoteObject(id);
      if (object && typeof object === "object") return object;
    } catch {
      // Not registered under this id: try the next one, as the real hosts do.
    }
  }
  return null;
}

/** Push a theme to every frame that completed its handshake. */
export function broadcastTheme(themeName, themeData) {
  for (const frame of liveFrames) {
    if (!frame.handshaken) continue;
    frame.channel
      .invoke("DevOps.SdkClient", "dispatchEvent", ["themeChanged", { detail: { data: themeData } }])
      .then(() => record("themeChanged", frame.name, { theme: themeName }))
      .catch((e) => record("hostError", frame.name, { message: String(e && e.message) }));
  }
}
