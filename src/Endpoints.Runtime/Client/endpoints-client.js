// Endpoints browser client: a WebSocket that reconnects. No dependencies; an ES module.
// Served by an app that calls app.MapWebSocketClientScript() at /_endpoints/client.js, or vendor this file.
//
//   import { EndpointsSocket } from "/_endpoints/client.js";
//   const socket = new EndpointsSocket("/chat/lobby", { accessToken: () => fetchToken() });
//   socket.addEventListener("statechange", e => status.textContent = e.detail.state);
//   socket.addEventListener("message", e => show(e.detail.data));
//   socket.on("moved", moved => draw(moved));      // typed JSON messages: {"type":"moved",…}
//   socket.send("hello"); socket.sendTyped("move", { x: 1, y: 2 });
//   const { members } = await socket.request("join", { name: "ann" });   // answered by the endpoint
//   await socket.sendWithAck("say", { text: "hi" });                      // resolves once the endpoint handled it
//   socket.onRequest("confirm", question => ({ ok: window.confirm(question.text) }));   // the endpoint asks us
//
// Requests and acknowledgements need the endpoints.v1 subprotocol (docs/protocol.md), which the client offers and an
// Endpoints server picks: every message then carries a small header (a JSON object and a line feed) in front of its
// payload. The client adds and strips it; "message" listeners and on() handlers see the payload as before.
//
// Every endpoints.v1 connection starts with a hello and the server's welcome. On a resumable endpoint the welcome opens
// or resumes a session: the client numbers what it sends and sends again what the server had not handled before the
// reconnect; the server numbers what it sends per stream, and the client drops what it already has and reports a
// "gap" for what the server could not replay.

/** The connection states, in the order a connection goes through them. */
export const State = Object.freeze({ Connecting: "connecting", Open: "open", Reconnecting: "reconnecting", Closed: "closed" });

/** Close codes after which the client does not reconnect: the server meant it (1000 normal, 1008 policy). */
export const FinalCloseCodes = Object.freeze([1000, 1008]);

/** The subprotocol that carries acknowledgements and request/reply (docs/protocol.md). */
export const EndpointsProtocol = "endpoints.v1";

const defaults = Object.freeze({
  protocols: undefined,
  endpointsProtocol: true,
  binaryType: "arraybuffer",
  typeProperty: "type",
  accessToken: undefined,
  requestTimeoutMs: 30000,
  welcomeTimeoutMs: 5000,
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
  // Requests waiting for their answer, by id: { resolve, reject, read, socket (null while queued), timer, signal, onAbort }.
  #pending = new Map(); #lastId = 0; #requestHandlers = new Map(); #anyRequestHandler = null;
  // The session (docs/protocol.md, "Sessions and resumable delivery"). #numbered: the current connection numbers what it
  // sends (a resumable welcome came); #awaitingWelcome: its hello went out and sends wait in the queue for the welcome.
  #session = null; #resumed = false; #numbered = false; #awaitingWelcome = false; #welcomeTimer = null;
  // The last number sent; the sent messages the server has not confirmed ({ n, data, wire }, oldest first, at most the
  // queue's capacity); the numbers pushed out of it (at most as many again), and the highest one forgotten beyond those.
  #lastNumber = 0; #unconfirmed = []; #evicted = []; #evictedForgotten = 0;
  // The last position received per stream: stream → { epoch, offset }.
  #positions = new Map();

  /**
   * @param {string} url ws://, wss://, or a path on this page's host ("/chat/lobby").
   * @param {object} [options] protocols, endpointsProtocol (offer endpoints.v1 after protocols; default true),
   *   binaryType, typeProperty, accessToken (async () => token, sent as ?access_token=; called before every attempt,
   *   so it can refresh), requestTimeoutMs (default 30000), welcomeTimeoutMs (how long an endpoints.v1 connection waits
   *   for the server's welcome before it goes on without a session; default 5000), reconnect { initialDelayMs,
   *   maxDelayMs, multiplier, stableAfterMs, maxAttempts }, queue { capacity (also of the resend buffer),
   *   overflow: "drop-oldest" | "drop-newest" | "error" }.
   */
  constructor(url, options = {}) {
    super();
    this.#url = url;
    this.#options = { ...defaults, ...options, reconnect: { ...defaults.reconnect, ...options.reconnect }, queue: { ...defaults.queue, ...options.queue } };
    this.#connect();
  }

  /** "connecting", "open", "reconnecting" or "closed". */
  get state() { return this.#state; }

  /** The subprotocol the server picked for the open connection ("endpoints.v1", one of `protocols`, or ""); "" when not open. */
  get protocol() { return this.#state === State.Open ? this.#socket.protocol : ""; }

  /** Messages waiting for the connection (sent while it was not open). */
  get queued() { return this.#queue.length; }

  /** The session's token while the endpoint keeps a session for this socket (a resumable welcome came), else null. */
  get session() { return this.#session; }

  /** Whether the last connection resumed the session (its welcome said so): nothing was lost that was not reported. */
  get resumed() { return this.#resumed; }

  /** A copy of the last position received per stream: { [stream]: { epoch, offset } }. For diagnostics and tests. */
  get positions() {
    const copy = {};
    for (const [stream, position] of this.#positions) copy[stream] = Object.freeze({ ...position });
    return Object.freeze(copy);
  }

  /**
   * Sends text or binary (ArrayBuffer, a typed array or DataView, Blob) now, or when the connection is (re)opened.
   * Returns false if the queue dropped it.
   */
  send(data) {
    if (this.#state === State.Closed) throw new Error("The connection is closed for good; create a new EndpointsSocket.");
    return this.#submit(data, 0);
  }

  /** Sends a value as JSON text. */
  sendJson(value) { return this.send(JSON.stringify(value)); }

  /** Sends a typed message: {"type": type, ...value} (the endpoint's MessageTypeProperty, "type" by default). */
  sendTyped(type, value) { return this.send(this.#typed(type, value)); }

  /**
   * Sends a typed message as a request and resolves with the endpoint's reply, parsed from JSON (undefined when the
   * endpoint only acknowledged it). Rejects, never hangs: see requestRaw.
   */
  request(type, value, options) { return this.#ask(this.#typed(type, value), readJson, options); }

  /** Sends a typed message and resolves (with undefined) once the endpoint has handled it. Rejects as requestRaw does. */
  sendWithAck(type, value, options) { return this.#ask(this.#typed(type, value), readNothing, options); }

  /**
   * Sends text or binary as a request and resolves with the answer's payload text ("" for an acknowledgement).
   * Rejects with an Error named "TimeoutError" (no answer within timeoutMs, counted from the call, time in the queue
   * included), "RequestError" (the endpoint answered with an error; its text is the message), "ConnectionError" (the
   * connection ended before the answer: a request is never sent again after a reconnect, as the endpoint may have
   * handled it), "NotSupportedError" (the server did not pick endpoints.v1, so it cannot answer), or "QueueFullError";
   * or with signal.reason when options.signal aborts. A request made while away waits in the queue like a send.
   */
  requestRaw(data, options) { return this.#ask(data, readText, options); }

  /** Calls handler(value) for every received typed message of this type. Returns a function that stops it. */
  on(type, handler) {
    if (!this.#handlers.has(type)) this.#handlers.set(type, new Set());
    this.#handlers.get(type).add(handler);
    return () => this.#handlers.get(type)?.delete(handler);
  }

  /**
   * Answers the endpoint's requests of this type (connection.RequestAsync): handler(value) returns the reply (a value
   * sent as JSON, or a Promise of it; undefined answers with an acknowledgement); a throw or a rejection answers with
   * its message as the error. One handler per type: a later one replaces it. onRequest(handler) without a type answers
   * the requests no typed handler takes (the parsed JSON, or the raw text or binary when it is not JSON), such as those
   * of an endpoint whose only message type has no type property. A request nobody handles is answered with an error.
   * Requests are not dispatched to on() or "message". Returns a function that stops it.
   */
  onRequest(type, handler) {
    if (typeof type === "function") {
      const any = type;
      this.#anyRequestHandler = any;
      return () => { if (this.#anyRequestHandler === any) this.#anyRequestHandler = null; };
    }
    this.#requestHandlers.set(type, handler);
    return () => { if (this.#requestHandlers.get(type) === handler) this.#requestHandlers.delete(type); };
  }

  /** Closes for good: no reconnect. Unanswered requests reject. */
  close(code = 1000, reason = "") {
    this.#closedByUser = true;
    clearTimeout(this.#timer);
    clearTimeout(this.#stableTimer);
    clearTimeout(this.#welcomeTimer);
    if (this.#socket && this.#socket.readyState <= WebSocket.OPEN) this.#socket.close(code, reason);
    this.#setState(State.Closed, { code, reason });
  }

  #typed(type, value) { return JSON.stringify({ [this.#options.typeProperty]: type, ...value }); }

  /** The one place a message goes to the wire now or to the queue (request id 0: an ordinary message). */
  #submit(data, id) {
    const socket = this.#socket;
    if (this.#state === State.Open && socket?.readyState === WebSocket.OPEN) {
      this.#transmit(socket, data, id);
      return true;
    }
    const { capacity, overflow } = this.#options.queue;
    if (this.#queue.length >= capacity) {
      if (overflow === "error") throw failure("QueueFullError", `The send queue is full (${capacity} messages) while the connection is ${this.#state}.`);
      if (overflow === "drop-newest") return false;
      const dropped = this.#queue.shift(); // drop-oldest
      if (dropped.id) this.#settle(dropped.id, failure("QueueFullError", `Request ${dropped.id} was dropped from the full send queue (${capacity} messages).`));
    }
    this.#queue.push({ data, id });
    return true;
  }

  /**
   * Writes a message on an open socket, with the endpoints.v1 header when the server picked it, numbered on a resumable
   * session (decided here, not when queued). A numbered message that is not a request is kept until a welcome confirms it.
   */
  #transmit(socket, data, id) {
    if (socket.protocol !== EndpointsProtocol) {
      if (id) this.#settle(id, failure("NotSupportedError", `The server did not pick the ${EndpointsProtocol} subprotocol, so it cannot answer request ${id}.`));
      else socket.send(data);
      return;
    }
    if (id) {
      const pending = this.#pending.get(id);
      if (!pending) return;
      pending.socket = socket;
    }
    if (!this.#numbered) {
      socket.send(withHeader(id ? `{"id":${id}}` : "", data));
      return;
    }
    const n = ++this.#lastNumber;
    const wire = withHeader(id ? `{"id":${id},"n":${n}}` : `{"n":${n}}`, data);
    // Requests are not kept: one in flight when the connection ends fails, and is never sent again.
    if (!id) this.#keepUnconfirmed({ n, data, wire });
    socket.send(wire);
  }

  /** Keeps a sent message for resending; the oldest leaves a full buffer, remembered by number until a welcome tells whether it was lost. */
  #keepUnconfirmed(entry) {
    const capacity = this.#options.queue.capacity;
    this.#unconfirmed.push(entry);
    while (this.#unconfirmed.length > capacity) {
      this.#evicted.push(this.#unconfirmed.shift().n);
      if (this.#evicted.length > capacity) this.#evictedForgotten = this.#evicted.shift();
    }
  }

  #ask(data, read, options = {}) {
    return new Promise((resolve, reject) => {
      if (!this.#options.endpointsProtocol) {
        reject(failure("NotSupportedError", `Requests need the ${EndpointsProtocol} subprotocol, which this socket does not offer (endpointsProtocol: false).`));
        return;
      }
      if (this.#state === State.Closed) {
        reject(failure("ConnectionError", "The connection is closed for good; create a new EndpointsSocket."));
        return;
      }
      const { signal } = options;
      if (signal?.aborted) {
        reject(signal.reason);
        return;
      }
      const id = ++this.#lastId;
      const timeoutMs = options.timeoutMs ?? this.#options.requestTimeoutMs;
      const pending = { resolve, reject, read, socket: null, timer: null, signal, onAbort: null };
      this.#pending.set(id, pending);
      if (timeoutMs !== Infinity) {
        // setTimeout takes at most 2^31 - 1 ms (a longer wait would fire at once).
        pending.timer = setTimeout(() => this.#settle(id, failure("TimeoutError", `Request ${id} was not answered within ${timeoutMs} ms.`)),
          Math.min(timeoutMs, 2147483647));
      }
      if (signal) {
        pending.onAbort = () => this.#settle(id, signal.reason);
        signal.addEventListener("abort", pending.onAbort, { once: true });
      }
      try {
        if (!this.#submit(data, id)) this.#settle(id, failure("QueueFullError", `Request ${id} was not queued: the send queue is full (drop-newest).`));
      } catch (error) {
        this.#settle(id, error);
      }
    });
  }

  /** Ends a request: resolves it with value, or rejects it with error; a request still in the queue leaves it unsent. */
  #settle(id, error, value) {
    const pending = this.#pending.get(id);
    if (!pending) return;
    this.#pending.delete(id);
    clearTimeout(pending.timer);
    pending.signal?.removeEventListener("abort", pending.onAbort);
    if (pending.socket === null) {
      const index = this.#queue.findIndex(entry => entry.id === id);
      if (index >= 0) this.#queue.splice(index, 1);
    }
    if (error) pending.reject(error);
    else pending.resolve(value);
  }

  #failPending(socket, message) {
    for (const [id, pending] of this.#pending) {
      if (socket === undefined || pending.socket === socket) this.#settle(id, failure("ConnectionError", `Request ${id} was not answered: ${message}.`));
    }
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
    this.#numbered = false;
    this.#awaitingWelcome = false;
    const socket = new WebSocket(url, this.#protocols());
    socket.binaryType = this.#options.binaryType;
    this.#socket = socket;
    // Set when a message broke endpoints.v1: nothing after it is handled, and the close goes the failure path.
    let violation = null;
    socket.onopen = () => {
      this.#opened = true;
      if (socket.protocol !== EndpointsProtocol) {
        this.#ready(socket, false);
        return;
      }
      // Headers are read from bytes; a Blob payload is made from them (binaryType "blob") when handed on.
      socket.binaryType = "arraybuffer";
      // The hello goes first; what the application sends waits in the queue until the welcome says whether to number
      // it. A server that never welcomes does not hold it back for long: the connection goes on without a session.
      socket.send(withHeader(`{"k":"hello"}`, JSON.stringify(this.#hello())));
      this.#awaitingWelcome = true;
      this.#welcomeTimer = setTimeout(() => {
        if (this.#socket !== socket || !this.#awaitingWelcome || socket.readyState !== WebSocket.OPEN) return;
        this.#awaitingWelcome = false;
        this.#ready(socket, false);
      }, this.#options.welcomeTimeoutMs);
    };
    socket.onmessage = event => {
      if (violation) return;
      if (socket.protocol !== EndpointsProtocol) this.#deliver(event.data);
      else violation = this.#receive(socket, event.data);
    };
    socket.onclose = event => {
      clearTimeout(this.#stableTimer);
      if (this.#socket === socket) clearTimeout(this.#welcomeTimer);
      const detail = violation ?? { code: event.code, reason: event.reason };
      // Not sent again after a reconnect: the endpoint may have handled it.
      this.#failPending(socket, `the connection closed (${detail.code}${detail.reason ? " " + detail.reason : ""}) first`);
      if (this.#socket !== socket || this.#closedByUser) return;
      if (this.#opened && !violation && FinalCloseCodes.includes(event.code)) {
        this.#setState(State.Closed, detail);
        return;
      }
      this.#afterFailure(url, token, detail, this.#opened);
    };
  }

  /**
   * The connection can take messages: what waited in the queue goes out, in order, before anything sent after it (the
   * "open" listeners included). A resumable welcome has already sent the unconfirmed messages again, ahead of these.
   */
  #ready(socket, resumed) {
    this.#resumed = resumed;
    const waiting = this.#queue.splice(0);
    for (const entry of waiting) this.#transmit(socket, entry.data, entry.id);
    // The backoff starts over only once the connection has stayed up for a while (a server that accepts and
    // drops at once must not be hammered).
    clearTimeout(this.#stableTimer);
    this.#stableTimer = setTimeout(() => { this.#attempt = 0; }, this.#options.reconnect.stableAfterMs);
    const detail = { protocol: socket.protocol };
    if (socket.protocol === EndpointsProtocol) detail.resumed = resumed;
    this.#setState(State.Open, detail);
  }

  /** {"session","positions"}, each when there is one: what this client asks to resume. */
  #hello() {
    const hello = {};
    if (this.#session !== null) hello.session = this.#session;
    if (this.#positions.size > 0) {
      hello.positions = {};
      for (const [stream, { epoch, offset }] of this.#positions) hello.positions[stream] = { e: epoch, o: offset };
    }
    return hello;
  }

  /** Handles the welcome of the connection that waits for one; returns the close detail when it is malformed. */
  #welcome(socket, payload) {
    if (socket !== this.#socket || !this.#awaitingWelcome) return null; // late (after the timeout) or repeated: ignored
    const welcome = parseControl(payload);
    if (welcome === null || typeof welcome.resumable !== "boolean") return violate(socket, "invalid welcome");
    const received = welcome.received ?? 0;
    if (welcome.resumable && (typeof welcome.session !== "string" || welcome.session === "" || !Number.isSafeInteger(received) || received < 0)) {
      return violate(socket, "invalid welcome");
    }
    clearTimeout(this.#welcomeTimer);
    this.#awaitingWelcome = false;
    const resumed = welcome.resumable && welcome.resumed === true;
    if (!resumed) this.#forgetSession();
    if (welcome.resumable) {
      this.#session = welcome.session;
      this.#numbered = true;
      if (resumed) this.#confirm(received);
      // Sent again as they went out the first time (same number, same bytes), before anything new.
      for (const entry of this.#unconfirmed) socket.send(entry.wire);
    }
    this.#ready(socket, resumed);
    return null;
  }

  /** The server handled every message up to `received`: they are forgotten. Those it did not, no longer kept, are reported. */
  #confirm(received) {
    let index = 0;
    while (index < this.#unconfirmed.length && this.#unconfirmed[index].n <= received) index++;
    this.#unconfirmed.splice(0, index);
    const lost = this.#evicted.filter(n => n > received).length;
    const unknown = received < this.#evictedForgotten;
    this.#evicted = [];
    this.#evictedForgotten = 0;
    if (lost > 0 || unknown) this.#reportUnconfirmed("overflow", unknown ? undefined : lost, []);
  }

  /** No session goes on (a new one, or none): numbering starts over, and what waited for a confirmation is reported, not resent. */
  #forgetSession() {
    const held = this.#unconfirmed;
    this.#session = null;
    this.#lastNumber = 0;
    this.#unconfirmed = [];
    this.#evicted = [];
    this.#evictedForgotten = 0;
    // A session that is not resumed replays nothing: the positions are of no use any more.
    this.#positions.clear();
    if (held.length > 0) this.#reportUnconfirmed("session-lost", held.length, held.map(entry => entry.data));
  }

  #reportUnconfirmed(reason, count, messages) {
    this.dispatchEvent(new CustomEvent("unconfirmed", { detail: { reason, count, messages } }));
  }

  /** Whether a message at this position is new; it then becomes the stream's last position. Another epoch is always new. */
  #advance(stream, epoch, offset) {
    const last = this.#positions.get(stream);
    if (last !== undefined && last.epoch === epoch && offset <= last.offset) return false;
    this.#positions.set(stream, { epoch, offset });
    return true;
  }

  /** A stream this connection now receives, at its current position: the place to resume it from even if nothing follows. */
  #subscribed(socket, payload) {
    const sub = parseControl(payload);
    if (sub === null || typeof sub.s !== "string" || typeof sub.e !== "string" || !isOffset(sub.o)) return violate(socket, "invalid sub");
    this.#advance(sub.s, sub.e, sub.o);
    return null;
  }

  #gap(socket, payload) {
    const gap = parseControl(payload);
    if (gap === null || typeof gap.s !== "string" || typeof gap.e !== "string" || !isOffset(gap.o) || (gap.count !== undefined && !isOffset(gap.count))) {
      return violate(socket, "invalid gap");
    }
    this.dispatchEvent(new CustomEvent("gap", { detail: { stream: gap.s, epoch: gap.e, offset: gap.o, count: gap.count } }));
    return null;
  }

  /** The user's protocols, then endpoints.v1 (an endpoint picks its own first, so the user's still win). */
  #protocols() {
    const own = this.#options.protocols;
    if (!this.#options.endpointsProtocol) return own;
    const protocols = own === undefined ? [] : typeof own === "string" ? [own] : [...own];
    if (!protocols.includes(EndpointsProtocol)) protocols.push(EndpointsProtocol);
    return protocols;
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

  /** Handles an endpoints.v1 message; returns the close detail when it broke the protocol (the socket is then closing). */
  #receive(socket, data) {
    const message = parseMessage(data);
    if (typeof message === "string") return violate(socket, message);
    const { header, payload } = message;
    if (header === null) {
      this.#deliver(this.#forApplication(payload));
      return null;
    }
    const { k, re, id, error, s, e, o } = header;
    if (k === "welcome") return this.#welcome(socket, payload);
    if (k === "gap") return this.#gap(socket, payload);
    if (k === "sub") return this.#subscribed(socket, payload);
    if (k !== undefined) return null; // a control message of a later version: ignored whole
    if (re !== undefined) {
      if (!Number.isSafeInteger(re) || (error !== undefined && typeof error !== "string")) return violate(socket, "invalid re or error");
      this.#answered(socket, re, error, payload);
      return null;
    }
    if (s !== undefined) {
      if (typeof s !== "string" || typeof e !== "string" || !isOffset(o)) return violate(socket, "invalid position");
      if (!this.#advance(s, e, o)) return null; // it arrived already (sent again after a reconnect): dropped
    }
    if (id !== undefined) {
      if (!Number.isSafeInteger(id) || id < 1) return violate(socket, "invalid id");
      this.#answerRequest(socket, id, payload);
      return null;
    }
    this.#deliver(this.#forApplication(payload));
    return null;
  }

  #answered(socket, re, error, payload) {
    const pending = this.#pending.get(re);
    if (!pending || pending.socket !== socket) return; // an answer nobody waits for any more (timed out): dropped
    if (error !== undefined) {
      this.#settle(re, failure("RequestError", error));
      return;
    }
    let value;
    try {
      value = pending.read(typeof payload === "string" ? payload : new TextDecoder().decode(payload));
    } catch (parseError) {
      this.#settle(re, parseError);
      return;
    }
    this.#settle(re, null, value);
  }

  async #answerRequest(socket, id, payload) {
    let value = payload;
    if (typeof payload === "string") {
      try { value = JSON.parse(payload); } catch { /* not JSON: the handler without a type gets the text */ }
    } else {
      value = this.#forApplication(payload);
    }
    const type = typeof value === "object" && value !== null ? value[this.#options.typeProperty] : undefined;
    const handler = (typeof type === "string" ? this.#requestHandlers.get(type) : undefined) ?? this.#anyRequestHandler;
    let answer;
    try {
      if (!handler) throw new Error(typeof type === "string" ? `No handler for '${type}'.` : "No handler for the request.");
      const reply = await handler(value);
      const json = reply === undefined ? undefined : JSON.stringify(reply);
      answer = `{"re":${id}}\n` + (json ?? "");
    } catch (error) {
      answer = errorHeader(id, error instanceof Error ? error.message : String(error)) + "\n";
    }
    // Only on the connection that asked: a new one does not know the id.
    if (socket.readyState === WebSocket.OPEN) socket.send(answer);
  }

  #forApplication(payload) {
    return typeof payload !== "string" && this.#options.binaryType === "blob" ? new Blob([payload]) : payload;
  }

  #deliver(data) {
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
    if (state === State.Closed) this.#failPending(undefined, `the connection is closed${detail.reason ? " (" + detail.reason + ")" : ""}`);
    this.dispatchEvent(new CustomEvent("statechange", { detail: { state, previous, ...detail } }));
  }
}

// endpoints.v1 (docs/protocol.md): header (a JSON object, at most 1,024 bytes of UTF-8) LF payload; an empty header is nothing.
const MaxHeaderBytes = 1024;
const LineFeed = 0x0a;
const utf8 = new TextEncoder();
const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

const readJson = text => (text === "" ? undefined : JSON.parse(text));
const readNothing = () => undefined;
const readText = text => text;

const isOffset = value => Number.isSafeInteger(value) && value >= 0;

/** A control message's payload as a JSON object, or null. */
function parseControl(payload) {
  let value;
  try {
    value = JSON.parse(typeof payload === "string" ? payload : strictUtf8.decode(payload));
  } catch {
    return null;
  }
  return typeof value === "object" && value !== null && !Array.isArray(value) ? value : null;
}

function failure(name, message) {
  const error = new Error(message);
  error.name = name;
  return error;
}

/** The message with its header: still text for text; for binary, one buffer (a Blob stays a Blob, read by the browser as it sends). */
function withHeader(header, data) {
  if (typeof data === "string") return header + "\n" + data;
  const prefix = utf8.encode(header + "\n");
  if (typeof Blob !== "undefined" && data instanceof Blob) return new Blob([prefix, data]);
  const bytes = ArrayBuffer.isView(data) ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : new Uint8Array(data);
  const message = new Uint8Array(prefix.length + bytes.length);
  message.set(prefix);
  message.set(bytes, prefix.length);
  return message;
}

/** { header (an object, or null when empty), payload (string or ArrayBuffer) }, or why the message breaks the protocol. */
function parseMessage(data) {
  let headerText, payload;
  if (typeof data === "string") {
    const end = data.indexOf("\n");
    // A UTF-16 unit is at most 3 bytes of UTF-8: only a long header needs counting.
    if (end < 0 || end > MaxHeaderBytes || (end * 3 > MaxHeaderBytes && utf8.encode(data.slice(0, end)).length > MaxHeaderBytes)) {
      return "no line feed after a header of at most 1024 bytes";
    }
    headerText = data.slice(0, end);
    payload = data.slice(end + 1);
  } else {
    const bytes = new Uint8Array(data);
    const end = bytes.subarray(0, MaxHeaderBytes + 1).indexOf(LineFeed);
    if (end < 0) return "no line feed after a header of at most 1024 bytes";
    try { headerText = strictUtf8.decode(bytes.subarray(0, end)); } catch { return "header not UTF-8"; }
    payload = data.slice(end + 1);
  }
  if (headerText === "") return { header: null, payload };
  let header;
  try { header = JSON.parse(headerText); } catch { return "header not JSON"; }
  if (typeof header !== "object" || header === null || Array.isArray(header)) return "header not a JSON object";
  return { header, payload };
}

/** Closes a socket whose peer broke endpoints.v1; returns the close detail its failure reports. */
function violate(socket, why) {
  const reason = `${EndpointsProtocol} protocol error: ${why}`;
  try {
    socket.close(1002, reason);
  } catch {
    // Browsers let a page close only with 1000 or 3000-4999: 4002 stands for 1002 there.
    socket.close(4002, reason);
  }
  return { code: 1002, reason };
}

/** {"re":id,"error":message}, the message cut (marked with "…") to the longest that keeps the header within 1,024 bytes. */
function errorHeader(id, message) {
  const header = text => JSON.stringify({ re: id, error: text });
  if (utf8.encode(header(message)).length <= MaxHeaderBytes) return header(message);
  // Every character is at least one byte: only the first 1,024 can fit. Then the longest prefix that fits.
  let fits = 0, tooLong = Math.min(message.length, MaxHeaderBytes) + 1;
  while (tooLong - fits > 1) {
    const middle = (fits + tooLong) >> 1;
    if (utf8.encode(header(message.slice(0, middle) + "…")).length <= MaxHeaderBytes) fits = middle;
    else tooLong = middle;
  }
  return header(message.slice(0, fits) + "…");
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
