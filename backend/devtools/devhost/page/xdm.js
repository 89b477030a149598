// Host side of the SDK's cross-frame (XDM) protocol, one channel per contribution iframe.
// Shapes follow azure-devops-extension-sdk XDM.js (see shared/reference/sdk-host-protocol.md §3):
// JSON-string messages, requests carry instanceId, replies carry id + result|error, the handshake
// reply echoes the frame's handshakeToken, functions travel as {__proxyFunctionId} proxies.
// One deliberate difference from the SDK's serializer: null stays null (as the legacy host does),
// so widget settings like customSettings.data = null reach the frame.

const MAX_DEPTH = 100;

export class Channel {
  /**
   * @param {HTMLIFrameElement} iframe the contribution's frame
   * @param {string} origin the extension's static origin (the only origin we talk to)
   * @param {Record<string, object|Function>} registry host objects by instance id
   * @param {(direction: string, message: object) => void} trace records every message
   */
  constructor(iframe, origin, registry, trace) {
    this.iframe = iframe;
    this.origin = origin;
    this.registry = registry;
    this.trace = trace;
    this.nextId = 1;
    this.nextProxyId = 1;
    this.pending = new Map();
    this.proxyFunctions = {};
    this.onMessage = (event) => this.receive(event);
    window.addEventListener("message", this.onMessage);
  }

  close() {
    window.removeEventListener("message", this.onMessage);
    for (const { reject } of this.pending.values()) reject(new Error("The frame was closed."));
    this.pending.clear();
  }

  /** Call a method on an object the frame registered; resolves with the deserialized result. */
  invoke(instanceId, methodName, params = [], instanceContext = {}) {
    const message = {
      id: this.nextId++,
      methodName,
      instanceId,
      instanceContext,
      params: this.serialize(params),
    };
    const promise = new Promise((resolve, reject) => this.pending.set(message.id, { resolve, reject }));
    this.post(message);
    return promise;
  }

  /** Get the frame's registered object as a proxy (methodName "" as the real host does). */
  getRemoteObject(instanceId) {
    return this.invoke(instanceId, "");
  }

  post(message) {
    this.trace("out", message);
    const win = this.iframe.contentWindow;
    if (win) win.postMessage(JSON.stringify(message), this.origin);
  }

  receive(event) {
    // Only the frame we created, from the extension's origin, may talk on this channel.
    if (event.source !== this.iframe.contentWindow || event.origin !== this.origin) return;
    if (typeof event.data !== "string") return;
    let message;
    try {
      message = JSON.parse(event.data);
    } catch {
      return;
    }
    this.trace("in", message);
    if (message.instanceId) {
      void this.dispatch(message);
    } else {
      this.settle(message);
    }
  }

  settle(message) {
    const waiter = this.pending.get(message.id);
    if (!waiter) return;
    this.pending.delete(message.id);
    if ("error" in message) waiter.reject(this.deserialize(message.error));
    else waiter.resolve(this.deserialize(message.result));
  }

  async dispatch(message) {
    const reply = { id: message.id, handshakeToken: message.handshakeToken };
    try {
      let target =
        message.instanceId === "__proxyFunctions" ? this.proxyFunctions : this.registry[message.instanceId];
      if (typeof target === "function") target = target(message.instanceContext || {});
      if (!target) throw new Error(`The registered object ${message.instanceId} could not be found.`);
      let result;
      if (!message.methodName) {
        result = target;
      } else {
        const method = target[message.methodName];
        if (typeof method !== "function") throw new Error(`RPC method not found: ${message.methodName}`);
        result = await method.apply(target, this.deserialize(message.params || []));
      }
      const serialized = this.serialize([result])[0];
      if (serialized !== undefined) reply.result = serialized;
    } catch (error) {
      reply.error = this.serialize([errorObject(error)])[0];
    }
    this.post(reply);
  }

  serialize(value, depth = 0, parents = []) {
    if (value === null) return null;
    if (value === undefined || depth > MAX_DEPTH) return undefined;
    if (typeof value === "function") {
      const id = this.nextProxyId++;
      const owner = parents[parents.length - 1];
      this.proxyFunctions[`proxy${id}`] = (...args) => value.apply(owner, args);
      return { __proxyFunctionId: id, _channelId: 1 };
    }
    if (value instanceof Date) return { __proxyDate: value.getTime() };
    if (typeof value !== "object") return value;
    if (parents.includes(value)) return undefined;
    const next = [...parents, value];
    if (Array.isArray(value)) return value.map((item) => this.serialize(item, depth + 1, next));
    const out = {};
    for (const key of Object.keys(value)) {
      const item = this.serialize(value[key], depth + 1, next);
      if (item !== undefined) out[key] = item;
    }
    return out;
  }

  deserialize(value) {
    if (Array.isArray(value)) return value.map((item) => this.deserialize(item));
    if (!value || typeof value !== "object") return value;
    if (value.__proxyFunctionId) {
      const name = `proxy${value.__proxyFunctionId}`;
      return (...args) => this.invoke("__proxyFunctions", name, args);
    }
    if (value.__proxyDate) return new Date(value.__proxyDate);
    const out = {};
    for (const [key, item] of Object.entries(value)) out[key] = this.deserialize(item);
    return out;
  }
}

function errorObject(error) {
  if (error instanceof Error) return { message: error.message, name: error.name };
  return error;
}
