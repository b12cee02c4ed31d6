// Endpoints browser client: a WebSocket that reconnects. No dependencies; an ES module.
// Served by an app that calls app.MapWebSocketClientScript() at /_endpoints/client.js, or vendor this file.
//
//   import { EndpointsSocket } from "/_endpoints/client.js";
//   const socket = new EndpointsSocket("/chat/lobby", { accessToken: () => fetchToken() });
//   socket.addEventListener("statechange", e => status.textContent = e.detail.state);
//   socket.addEventListener("message", e => show(e.detail.data));
//   socket.on("moved", moved => draw(moved));      // typed JSON messages: {"type":"moved",…}
//   socket.send("hello"); socket.sendTyped("move", { x: 1, y: 2 });

/** The connection states, in the order a connection goes through them. */
export const State = Object.freeze({ Connecting: "connecting", Open: "open", Reconnecting: "reconnecting", Closed: "closed" });

/** Close codes after which the client does not reconnect: the server meant it (1000 normal, 1008 policy). */
export const FinalCloseCodes = Object.freeze([1000, 1008]);

const defaults = Object.freeze({
  protocols: undefined,
  binaryType: "arraybuffer",
  typeProperty: "type",
  accessToken: undefined,
  reconnect: Object.freeze({ initialDelayMs: 500, maxDelayMs: 30000, multiplier: 2, stableAfterMs: 10000, maxAttempts: Infinity }),
  queue: Object.freeze({ capacity: 100, overflow: "drop-oldest" }),
});

/**
 * The wait before reconnect attempt `attempt` (0 for the first): "full jitter", a uniform random time between 0 and
 * min(maxDelayMs, initialDelayMs × multiplier^attempt). A thousand clients that lost one server spread their
 * reconnects over the whole window instead of arriving together.
 */
export function reconnectDelay(attempt, policy = defaults.reconnect, random = Math.random) {
  const ceiling = Math.min(policy.maxDelayMs, policy.initialDelayMs * Math.pow(policy.multiplier, attempt));
  return Math.floor(random() * ceiling);
}

/** A WebSocket to an Endpoints endpoint that reconnects with backoff, queues sends while away, and dispatches typed JSON. */
export class EndpointsSocket extends EventTarget {
  #url; #options; #socket = null; #state = State.Connecting; #attempt = 0; #queue = []; #timer = null;
  #stableTimer = null; #handlers = new Map(); #closedByUser = false; #opened = false;

  /**
   * @param {string} url ws://, wss://, or a path on this page's host ("/chat/lobby").
   * @param {object} [options] protocols, binaryType, typeProperty, accessToken (async () => token, sent as
   *   ?access_token=; called before every attempt, so it can refresh), reconnect { initialDelayMs, maxDelayMs,
   *   multiplier, stableAfterMs, maxAttempts }, queue { capacity, overflow: "drop-oldest" | "drop-newest" | "error" }.
   */
  constructor(url, options = {}) {
    super();
    this.#url = url;
    this.#options = { ...defaults, ...options, reconnect: { ...defaults.reconnect, ...options.reconnect }, queue: { ...defaults.queue, ...options.queue } };
    this.#connect();
  }

  /** "connecting", "open", "reconnecting" or "closed". */
  get state() { return this.#state; }

  /** Messages waiting for the connection (sent while it was not open). */
  get queued() { return this.#queue.length; }

  /** Sends text or binary now, or when the connection is (re)opened. Returns false if the queue dropped it. */
  send(data) {
    if (this.#state === State.Closed) throw new Error("The connection is closed for good; create a new EndpointsSocket.");
    if (this.#state === State.Open && this.#socket?.readyState === WebSocket.OPEN) {
      this.#socket.send(data);
      return true;
    }
    const { capacity, overflow } = this.#options.queue;
    if (this.#queue.length >= capacity) {
      if (overflow === "error") throw new Error(`The send queue is full (${capacity} messages) while the connection is ${this.#state}.`);
      if (overflow === "drop-newest") return false;
      this.#queue.shift(); // drop-oldest
    }
    this.#queue.push(data);
    return true;
  }

  /** Sends a value as JSON text. */
  sendJson(value) { return this.send(JSON.stringify(value)); }

  /** Sends a typed message: {"type": type, ...value} (the endpoint's MessageTypeProperty, "type" by default). */
  sendTyped(type, value) { return this.send(JSON.stringify({ [this.#options.typeProperty]: type, ...value })); }

  /** Calls handler(value) for every received typed message of this type. Returns a function that stops it. */
  on(type, handler) {
    if (!this.#handlers.has(type)) this.#handlers.set(type, new Set());
    this.#handlers.get(type).add(handler);
    return () => this.#handlers.get(type)?.delete(handler);
  }

  /** Closes for good: no reconnect. */
  close(code = 1000, reason = "") {
    this.#closedByUser = true;
    clearTimeout(this.#timer);
    clearTimeout(this.#stableTimer);
    if (this.#socket && this.#socket.readyState <= WebSocket.OPEN) this.#socket.close(code, reason);
    this.#setState(State.Closed, { code, reason });
  }

  async #connect() {
    let url, token;
    try {
      url = new URL(this.#url, location.href.replace(/^http/, "ws"));
      if (url.protocol === "http:") url.protocol = "ws:";
      if (url.protocol === "https:") url.protocol = "wss:";
      if (this.#options.accessToken) {
        token = await this.#options.accessToken();
        if (token) url.searchParams.set("access_token", token);
      }
    } catch (error) {
      this.#scheduleReconnect({ code: 1006, reason: String(error) });
      return;
    }
    if (this.#closedByUser) return;
    this.#opened = false;
    const socket = new WebSocket(url, this.#options.protocols);
    socket.binaryType = this.#options.binaryType;
    this.#socket = socket;
    socket.onopen = () => {
      this.#opened = true;
      this.#setState(State.Open, {});
      // The backoff starts over only once the connection has stayed up for a while (a server that accepts and
      // drops at once must not be hammered).
      clearTimeout(this.#stableTimer);
      this.#stableTimer = setTimeout(() => { this.#attempt = 0; }, this.#options.reconnect.stableAfterMs);
      const waiting = this.#queue.splice(0);
      for (const data of waiting) socket.send(data);
    };
    socket.onmessage = event => this.#receive(event.data);
    socket.onclose = event => {
      clearTimeout(this.#stableTimer);
      if (this.#socket !== socket || this.#closedByUser) return;
      if (this.#opened && FinalCloseCodes.includes(event.code)) {
        this.#setState(State.Closed, { code: event.code, reason: event.reason });
        return;
      }
      this.#afterFailure(url, token, { code: event.code, reason: event.reason }, this.#opened);
    };
  }

  async #afterFailure(url, token, detail, wasOpen) {
    // A browser does not say why an upgrade failed. When it never opened, ask the server over HTTP: a 4xx other
    // than 400 (the endpoint's "not a WebSocket request"), 408 and 429 means it refuses us; retrying cannot help.
    if (!wasOpen) {
      const status = await probe(url, token);
      if (status >= 401 && status < 500 && status !== 408 && status !== 429) {
        this.#setState(State.Closed, { ...detail, status, reason: `the server refused the connection (HTTP ${status})` });
        return;
      }
    }
    this.#scheduleReconnect(detail);
  }

  #scheduleReconnect(detail) {
    if (this.#closedByUser) return;
    const policy = this.#options.reconnect;
    if (this.#attempt >= policy.maxAttempts) {
      this.#setState(State.Closed, { ...detail, reason: "gave up reconnecting" });
      return;
    }
    const delay = reconnectDelay(this.#attempt++, policy);
    this.#setState(State.Reconnecting, { ...detail, attempt: this.#attempt, delayMs: delay });
    this.#timer = setTimeout(() => this.#connect(), delay);
  }

  #receive(data) {
    this.dispatchEvent(new CustomEvent("message", { detail: { data } }));
    if (typeof data !== "string" || this.#handlers.size === 0 || data[0] !== "{") return;
    let value;
    try { value = JSON.parse(data); } catch { return; }
    const type = value?.[this.#options.typeProperty];
    const handlers = typeof type === "string" ? this.#handlers.get(type) : undefined;
    if (!handlers) return;
    for (const handler of handlers) handler(value);
  }

  #setState(state, detail) {
    const previous = this.#state;
    this.#state = state;
    this.dispatchEvent(new CustomEvent("statechange", { detail: { state, previous, ...detail } }));
  }
}

async function probe(url, token) {
  try {
    const http = new URL(url);
    http.protocol = http.protocol === "wss:" ? "https:" : "http:";
    // The token goes in a header here (a fetch can send one): a URL with a token ends up in server logs.
    http.searchParams.delete("access_token");
    const headers = token ? { Authorization: `Bearer ${token}` } : {};
    const response = await fetch(http, { cache: "no-store", credentials: "same-origin", headers });
    return response.status;
  } catch {
    return 0; // the server is away, or the probe is not allowed: keep trying
  }
}
