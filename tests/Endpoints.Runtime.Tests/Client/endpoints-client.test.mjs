// The browser client (src/Endpoints.Runtime/Client/endpoints-client.js) under node --test, over a fake WebSocket that
// behaves as a browser's does where it matters: send throws while connecting, close takes only 1000 or 3000-4999,
// duplicate subprotocols throw. BrowserClientTests copies this file next to the module and runs it.
import { test as nodeTest, afterEach } from "node:test";
import assert from "node:assert/strict";

class FakeWebSocket {
  static CONNECTING = 0;
  static OPEN = 1;
  static CLOSING = 2;
  static CLOSED = 3;
  static all = [];

  constructor(url, protocols) {
    const offered = protocols === undefined ? [] : typeof protocols === "string" ? [protocols] : [...protocols];
    if (new Set(offered).size !== offered.length) throw new DOMException("A subprotocol is offered twice.", "SyntaxError");
    this.url = String(url);
    this.protocols = protocols;
    this.offered = offered;
    this.readyState = FakeWebSocket.CONNECTING;
    this.protocol = "";
    this.binaryType = "blob";
    this.sent = []; // what went out: strings as they are, binary as a copy of its bytes (a Blob as it is)
    this.closeAttempts = [];
    this.closeReply = undefined; // the code the server answers a close with; by default the one it got
    this.onopen = this.onmessage = this.onclose = null;
    FakeWebSocket.all.push(this);
  }

  send(data) {
    if (this.readyState === FakeWebSocket.CONNECTING) throw new DOMException("Still in CONNECTING state.", "InvalidStateError");
    if (this.readyState !== FakeWebSocket.OPEN) return;
    if (typeof data === "string" || data instanceof Blob) this.sent.push(data);
    else if (ArrayBuffer.isView(data)) this.sent.push(new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice());
    else this.sent.push(new Uint8Array(data).slice());
  }

  close(code, reason = "") {
    this.closeAttempts.push(code);
    if (code !== undefined && code !== 1000 && !(code >= 3000 && code <= 4999)) {
      throw new DOMException(`The code must be either 1000, or between 3000 and 4999. ${code} is neither.`, "InvalidAccessError");
    }
    if (this.readyState >= FakeWebSocket.CLOSING) return;
    this.readyState = FakeWebSocket.CLOSING;
    // The server answers the close frame with the same code.
    setTimeout(() => this.drop(this.closeReply ?? code ?? 1005, reason), 0);
  }

  // The server's side.
  accept(protocol = "") {
    if (protocol !== "" && !this.offered.includes(protocol)) throw new Error(`${protocol} was not offered`);
    this.protocol = protocol;
    this.readyState = FakeWebSocket.OPEN;
    this.onopen?.({});
  }

  receive(data) {
    if (typeof data !== "string") data = this.binaryType === "arraybuffer" ? bytes(data).slice().buffer : new Blob([bytes(data)]);
    this.onmessage?.({ data });
  }

  drop(code = 1006, reason = "") {
    if (this.readyState === FakeWebSocket.CLOSED) return;
    this.readyState = FakeWebSocket.CLOSED;
    this.onclose?.({ code, reason, wasClean: code !== 1006 });
  }
}

globalThis.WebSocket = FakeWebSocket;
globalThis.location = { href: "http://app.test/page" };
globalThis.fetch = async () => ({ status: 503 }); // the probe after a failed upgrade: keep trying
if (typeof globalThis.CustomEvent === "undefined") {
  globalThis.CustomEvent = class CustomEvent extends Event {
    constructor(type, init = {}) { super(type, init); this.detail = init.detail ?? null; }
  };
}

const { EndpointsSocket, EndpointsProtocol } = await import("./endpoints-client.js");

// A test that waits for something that never comes fails instead of hanging the run.
const test = (name, body) => nodeTest(name, { timeout: 5000 }, body);

const utf8 = new TextEncoder();
const opened = [];
afterEach(() => { for (const socket of opened.splice(0)) socket.close(); });

function bytes(data) {
  if (typeof data === "string") return utf8.encode(data);
  return ArrayBuffer.isView(data) ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : new Uint8Array(data);
}

const concat = (...parts) => Uint8Array.from(parts.flatMap(part => [...bytes(part)]));

/** A socket to /chat/lobby that reconnects at once, and its first fake WebSocket (still connecting). */
function connect(options = {}) {
  const before = FakeWebSocket.all.length;
  const socket = new EndpointsSocket("/chat/lobby", { ...options, reconnect: { initialDelayMs: 0, ...options.reconnect } });
  opened.push(socket);
  assert.equal(FakeWebSocket.all.length, before + 1);
  return { socket, ws: FakeWebSocket.all[before] };
}

const hello = payload => '{"k":"hello"}\n' + JSON.stringify(payload);
const welcome = payload => '{"k":"welcome"}\n' + JSON.stringify(payload);

/**
 * The server's side of an endpoints.v1 handshake: it picks endpoints.v1, takes the client's hello off `sent` (it must be
 * the first message) and answers with a welcome (none when `answer` is null). Returns the hello's payload.
 */
function handshake(ws, answer = { resumable: false }) {
  ws.accept(EndpointsProtocol);
  const first = ws.sent.shift();
  assert.ok(typeof first === "string" && first.startsWith('{"k":"hello"}\n'), `the first message is a hello, not ${first}`);
  if (answer !== null) ws.receive(welcome(answer));
  return JSON.parse(first.slice(first.indexOf("\n") + 1));
}

/** A socket whose server picked `protocol` (endpoints.v1 unless told, welcomed with `answer`: no session unless told). */
function open(options = {}, protocol = EndpointsProtocol, answer = undefined) {
  const connection = connect(options);
  if (protocol === EndpointsProtocol) handshake(connection.ws, answer);
  else connection.ws.accept(protocol);
  return connection;
}

/** What "message" listeners and on(type) handlers see. */
function listen(socket, type = "said") {
  const seen = { messages: [], typed: [] };
  socket.addEventListener("message", event => seen.messages.push(event.detail.data));
  socket.on(type, value => seen.typed.push(value));
  return seen;
}

async function until(condition, what) {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise(resolve => setTimeout(resolve, 5));
  assert.ok(condition(), `timed out waiting for ${what}`);
}

async function nextSocket(after) {
  await until(() => FakeWebSocket.all.length > after, "a reconnect");
  return FakeWebSocket.all[after];
}

const settled = async promise => {
  const result = await Promise.race([promise.then(() => "resolved", () => "rejected"), new Promise(resolve => setTimeout(resolve, 10, "pending"))]);
  return result;
};

test("offers endpoints.v1 after the user's protocols, once, unless turned off", () => {
  assert.deepEqual(connect().ws.protocols, ["endpoints.v1"]);
  assert.deepEqual(connect({ protocols: "chat.v2" }).ws.protocols, ["chat.v2", "endpoints.v1"]);
  assert.deepEqual(connect({ protocols: ["endpoints.v1", "chat.v2"] }).ws.protocols, ["endpoints.v1", "chat.v2"]);
  assert.equal(connect({ endpointsProtocol: false }).ws.protocols, undefined);
  const own = ["chat.v2"];
  assert.equal(connect({ endpointsProtocol: false, protocols: own }).ws.protocols, own);
});

test("an ordinary text message goes out behind an empty header", () => {
  const { socket, ws } = open();
  assert.equal(socket.protocol, "endpoints.v1");
  socket.send("hello");
  socket.sendTyped("move", { x: 1, y: 2 });
  socket.sendJson({ a: 1 });
  assert.deepEqual(ws.sent, ["\nhello", '\n{"type":"move","x":1,"y":2}', '\n{"a":1}']);
});

test("a binary message goes out as one binary message: the header's bytes, a line feed, the bytes", async () => {
  const { socket, ws } = open();
  socket.send(new Uint8Array([1, 2, 3]).buffer);
  socket.send(new Uint8Array([9, 9, 4, 5, 9]).subarray(2, 4));
  socket.send(new DataView(new Uint8Array([7, 8, 9]).buffer, 1, 1));
  socket.send(new Blob([new Uint8Array([6, 7])]));
  socket.requestRaw(new Uint8Array([1, 2])).catch(() => {}); // rejected by the close after the test
  assert.equal(ws.sent.length, 5);
  assert.deepEqual(ws.sent[0], new Uint8Array([10, 1, 2, 3]));
  assert.deepEqual(ws.sent[1], new Uint8Array([10, 4, 5]));
  assert.deepEqual(ws.sent[2], new Uint8Array([10, 8]));
  assert.ok(ws.sent[3] instanceof Blob, "a Blob is sent as a Blob");
  assert.deepEqual(new Uint8Array(await ws.sent[3].arrayBuffer()), new Uint8Array([10, 6, 7]));
  assert.deepEqual(ws.sent[4], concat('{"id":1}\n', [1, 2]));
});

test("requests go out with an id, one more each time", () => {
  const { socket, ws } = open();
  for (const request of [socket.request("join", { name: "ann" }), socket.sendWithAck("say", { text: "hi" }), socket.requestRaw("ping")]) {
    request.catch(() => {}); // rejected by the close after the test
  }
  assert.deepEqual(ws.sent, ['{"id":1}\n{"type":"join","name":"ann"}', '{"id":2}\n{"type":"say","text":"hi"}', '{"id":3}\nping']);
});

test("listeners and on() see received messages without their header", () => {
  const { socket, ws } = open();
  const seen = listen(socket);
  ws.receive('\n{"type":"said","text":"hi"}');
  ws.receive('{"later":true}\nplain');
  ws.receive(concat('{"v":2}\n', [1, 2, 10]));
  ws.receive("\n");
  assert.deepEqual(seen.messages.slice(0, 2), ['{"type":"said","text":"hi"}', "plain"]);
  assert.ok(seen.messages[2] instanceof ArrayBuffer);
  assert.deepEqual(new Uint8Array(seen.messages[2]), new Uint8Array([1, 2, 10]));
  assert.equal(seen.messages[3], "");
  assert.equal(seen.messages.length, 4);
  assert.deepEqual(seen.typed, [{ type: "said", text: "hi" }]);
});

test("binaryType blob: the header is read from bytes and the payload handed on as a Blob", async () => {
  const { socket, ws } = open({ binaryType: "blob" });
  assert.equal(ws.binaryType, "arraybuffer");
  const seen = listen(socket);
  ws.receive(concat("\n", [3, 4]));
  assert.ok(seen.messages[0] instanceof Blob);
  assert.deepEqual(new Uint8Array(await seen.messages[0].arrayBuffer()), new Uint8Array([3, 4]));
});

test("a control message of an unknown kind is ignored whole", () => {
  const { socket, ws } = open();
  const seen = listen(socket);
  ws.receive('{"k":"ping"}\n{"type":"said","text":"no"}');
  ws.receive('{"k":"ping","id":4}\n{"type":"said","text":"no"}');
  ws.receive('\n{"type":"said","text":"yes"}');
  assert.deepEqual(seen.messages, ['{"type":"said","text":"yes"}']);
  assert.deepEqual(seen.typed, [{ type: "said", text: "yes" }]);
  assert.deepEqual(ws.sent, []);
});

test("request resolves with the reply, which is not dispatched", async () => {
  const { socket, ws } = open();
  const seen = listen(socket, "members");
  const reply = socket.request("join", { name: "ann" });
  assert.equal(await settled(reply), "pending");
  ws.receive('{"re":1}\n{"type":"members","members":3}');
  assert.deepEqual(await reply, { type: "members", members: 3 });
  assert.deepEqual(seen, { messages: [], typed: [] });
});

test("sendWithAck resolves on the acknowledgement; requestRaw gets the answer's text", async () => {
  const { socket, ws } = open();
  const seen = listen(socket);
  const ack = socket.sendWithAck("say", { text: "hi" });
  const raw = socket.requestRaw("/who");
  assert.equal(await settled(ack), "pending");
  ws.receive('{"re":1}\n');
  ws.receive('{"re":2}\nann, bob');
  assert.equal(await ack, undefined);
  assert.equal(await raw, "ann, bob");
  assert.deepEqual(seen.messages, []);
});

test("an error answer rejects with the server's text", async () => {
  const { socket, ws } = open();
  const reply = socket.request("join", { name: "ann" });
  const ack = socket.sendWithAck("say", { text: "hi" });
  ws.receive('{"re":1,"error":"Room is full."}\n');
  ws.receive('{"re":2,"error":"The server could not handle the request."}\n');
  await assert.rejects(reply, { name: "RequestError", message: "Room is full." });
  await assert.rejects(ack, { name: "RequestError", message: "The server could not handle the request." });
});

test("a request not answered in time rejects; its late answer is dropped", async () => {
  const { socket, ws } = open({ requestTimeoutMs: 20 });
  const seen = listen(socket);
  const started = Date.now();
  await assert.rejects(socket.request("join", {}), { name: "TimeoutError", message: "Request 1 was not answered within 20 ms." });
  await assert.rejects(socket.sendWithAck("say", {}, { timeoutMs: 5 }), { name: "TimeoutError" });
  assert.ok(Date.now() - started < 1000);
  ws.receive('{"re":1}\n{"members":3}');
  ws.receive('{"re":2}\n');
  assert.deepEqual(seen.messages, []);
  assert.equal(socket.state, "open");
});

test("the connection dropping rejects the requests it carried, and they are not sent again", async () => {
  const { socket, ws } = open();
  const reply = socket.request("join", { name: "ann" });
  const ack = socket.sendWithAck("say", { text: "hi" });
  const count = FakeWebSocket.all.length;
  ws.drop(1006);
  await assert.rejects(reply, { name: "ConnectionError", message: /Request 1 was not answered: the connection closed \(1006\) first/ });
  await assert.rejects(ack, { name: "ConnectionError" });
  const again = await nextSocket(count);
  handshake(again);
  socket.send("after");
  assert.deepEqual(again.sent, ["\nafter"]);
});

test("close() rejects the requests sent and queued; a request after it rejects", async () => {
  const { socket: sentOn, ws } = open();
  const sent = sentOn.request("join", {});
  sentOn.close();
  await assert.rejects(sent, { name: "ConnectionError" });
  const { socket: away } = connect();
  const queued = away.request("join", {});
  assert.equal(away.queued, 1);
  away.close();
  await assert.rejects(queued, { name: "ConnectionError" });
  await assert.rejects(away.request("join", {}), { name: "ConnectionError" });
  assert.deepEqual(ws.sent.length, 1);
});

test("a server that did not pick endpoints.v1 gets messages exactly as sent, and requests reject", async () => {
  for (const [options, protocol] of [[{}, ""], [{ protocols: ["chat.v2"] }, "chat.v2"]]) {
    const { socket, ws } = open(options, protocol);
    const seen = listen(socket);
    assert.equal(socket.protocol, protocol);
    const binary = new Uint8Array([1, 2]);
    socket.send("hello");
    socket.send(binary);
    socket.sendTyped("move", { x: 1 });
    await assert.rejects(socket.request("join", {}), { name: "NotSupportedError", message: /did not pick the endpoints.v1 subprotocol/ });
    await assert.rejects(socket.sendWithAck("say", {}), { name: "NotSupportedError" });
    assert.deepEqual(ws.sent, ["hello", binary, '{"type":"move","x":1}']);
    ws.receive("hello\nworld");
    ws.receive('{"re":1}\n{"type":"said"}');
    ws.receive("no line feed at all");
    assert.deepEqual(seen.messages, ["hello\nworld", '{"re":1}\n{"type":"said"}', "no line feed at all"]);
    assert.deepEqual(ws.closeAttempts, []);
  }
  const { socket } = connect({ endpointsProtocol: false });
  await assert.rejects(socket.request("join", {}), { name: "NotSupportedError", message: /endpointsProtocol: false/ });
});

test("the endpoint's request is answered with the handler's value, and not dispatched", async () => {
  const { socket, ws } = open();
  const seen = listen(socket, "confirm");
  socket.onRequest("confirm", async question => ({ ok: question.question === "Leave?" }));
  socket.onRequest("notice", () => undefined);
  ws.receive('{"id":1}\n{"type":"confirm","question":"Leave?"}');
  ws.receive('{"id":2}\n{"type":"notice"}');
  await until(() => ws.sent.length === 2, "two answers");
  assert.deepEqual(ws.sent, ['{"re":1}\n{"ok":true}', '{"re":2}\n']);
  assert.deepEqual(seen, { messages: [], typed: [] });
});

test("a handler that throws or rejects answers with its message", async () => {
  const { socket, ws } = open();
  socket.onRequest("now", () => { throw new Error("Not now."); });
  socket.onRequest("later", async () => { throw new Error("Not later."); });
  ws.receive('{"id":1}\n{"type":"now"}');
  ws.receive('{"id":2}\n{"type":"later"}');
  await until(() => ws.sent.length === 2, "two answers");
  assert.deepEqual(ws.sent.toSorted(), ['{"re":1,"error":"Not now."}\n', '{"re":2,"error":"Not later."}\n']);
  assert.equal(socket.state, "open");
});

test("a request without a handler is answered with an error; onRequest(handler) takes the untyped ones", async () => {
  const { socket, ws } = open();
  const seen = listen(socket, "other");
  const stop = socket.onRequest("other", () => 1);
  stop();
  ws.receive('{"id":9}\n{"type":"other"}');
  ws.receive('{"id":10}\n{"n":1}');
  await until(() => ws.sent.length === 2, "two answers");
  assert.deepEqual(ws.sent, ['{"re":9,"error":"No handler for \'other\'."}\n', '{"re":10,"error":"No handler for the request."}\n']);
  socket.onRequest(value => (typeof value === "string" ? value.toUpperCase() : value.n + 1));
  ws.receive('{"id":11}\n{"n":1}');
  ws.receive('{"id":12}\nnot json');
  await until(() => ws.sent.length === 4, "two more answers");
  assert.deepEqual(ws.sent.slice(2), ['{"re":11}\n2', '{"re":12}\n"NOT JSON"']);
  assert.deepEqual(seen, { messages: [], typed: [] });
});

test("a long error is cut so the answer's header stays within 1024 bytes", async () => {
  const { socket, ws } = open();
  socket.onRequest("long", () => { throw new Error("é".repeat(2000)); });
  ws.receive('{"id":1}\n{"type":"long"}');
  await until(() => ws.sent.length === 1, "the answer");
  const [header, payload] = ws.sent[0].split("\n");
  assert.equal(payload, "");
  assert.ok(utf8.encode(header).length <= 1024, `${utf8.encode(header).length} bytes`);
  assert.ok(utf8.encode(header).length >= 1021, `${utf8.encode(header).length} bytes: cut more than needed`);
  assert.match(JSON.parse(header).error, /^é+…$/);
});

const longHeader = (bytesOfHeader, filler = "x") => `{"p":"${filler.repeat((bytesOfHeader - 8) / utf8.encode(filler).length)}"}`;

for (const [name, message] of [
  ["no line feed", "no line feed"],
  ["a header that is an array", "[1]\nx"],
  ["a header that is a string", '"s"\nx'],
  ["a header that is not JSON", "{bad\nx"],
  ["an id that is not a number", '{"id":"1"}\n{"type":"said"}'],
  ["an id of 0", '{"id":0}\n{"type":"said"}'],
  ["an error that is not text", '{"re":1,"error":5}\n'],
  ["a header of 1025 bytes", longHeader(1025) + "\nx"],
  ["a header of 1026 bytes in two-byte characters", longHeader(1026, "é") + "\nx"],
  ["binary without a line feed in its first 1025 bytes", new Uint8Array(1100).fill(65)],
  ["a binary header that is not UTF-8", concat([0xff, 0xfe], "\n")],
  ["a position whose offset is not a number", '{"s":"a","e":"x","o":"1"}\n{"type":"said"}'],
  ["a position without an epoch", '{"s":"a","o":1}\n{"type":"said"}'],
  ["a gap that is not JSON", '{"k":"gap"}\nnot json'],
  ["a gap without a stream", '{"k":"gap"}\n{"e":"x","o":1}'],
  ["a sub without an epoch", '{"k":"sub"}\n{"s":"a","o":1}'],
]) {
  test(`a malformed message (${name}) closes with 1002, fails its requests and reconnects`, async () => {
    const { socket, ws } = open();
    const seen = listen(socket);
    const states = [];
    socket.addEventListener("statechange", event => states.push(event.detail));
    const reply = socket.request("join", {});
    const count = FakeWebSocket.all.length;
    ws.receive(typeof message === "string" ? message : message.buffer);
    ws.receive('\n{"type":"said","text":"after"}');
    // A browser refuses 1002 from a page: the client tries it, then closes with 4002.
    assert.deepEqual(ws.closeAttempts, [1002, 4002]);
    await assert.rejects(reply, { name: "ConnectionError", message: /connection closed \(1002 endpoints\.v1 protocol error/ });
    assert.deepEqual(seen, { messages: [], typed: [] });
    await nextSocket(count);
    assert.equal(states[0].state, "reconnecting");
    assert.equal(states[0].code, 1002);
    assert.match(states[0].reason, /^endpoints\.v1 protocol error: /);
  });
}

test("a protocol error reconnects even when the server answers its close with 1000", async () => {
  const { socket, ws } = open();
  const states = [];
  socket.addEventListener("statechange", event => states.push(event.detail));
  ws.closeReply = 1000;
  const count = FakeWebSocket.all.length;
  ws.receive("no line feed");
  await nextSocket(count);
  assert.deepEqual(states.map(s => [s.state, s.code]), [["reconnecting", 1002]]);
});

test("headers of exactly 1024 bytes are read", () => {
  const { socket, ws } = open();
  const seen = listen(socket);
  ws.receive(longHeader(1024) + "\none");
  ws.receive(longHeader(1024, "é") + "\ntwo");
  ws.receive(concat(longHeader(1024), "\n", [1]));
  assert.deepEqual(seen.messages.slice(0, 2), ["one", "two"]);
  assert.deepEqual(new Uint8Array(seen.messages[2]), new Uint8Array([1]));
  assert.deepEqual(ws.closeAttempts, []);
});

test("queued messages take the header of the connection they go out on", async () => {
  // Queued while connecting, sent on endpoints.v1.
  const { socket, ws } = connect();
  socket.send("a");
  const reply = socket.request("join", {});
  assert.equal(socket.queued, 2);
  handshake(ws);
  assert.deepEqual(ws.sent, ["\na", '{"id":1}\n{"type":"join"}']);
  ws.receive('{"re":1}\n{"members":1}');
  assert.deepEqual(await reply, { members: 1 });

  // Queued after a plain connection, sent on endpoints.v1; then queued after that one, sent on a plain one.
  const { socket: other, ws: plain } = open({}, "");
  let count = FakeWebSocket.all.length;
  plain.drop(1006);
  other.send("x");
  other.send(new Uint8Array([5]));
  const v1 = await nextSocket(count);
  handshake(v1);
  assert.deepEqual(v1.sent, ["\nx", new Uint8Array([10, 5])]);
  count = FakeWebSocket.all.length;
  v1.drop(1006);
  other.send("y");
  const queued = other.request("join", {});
  const last = await nextSocket(count);
  last.accept("");
  assert.deepEqual(last.sent, ["y"]);
  await assert.rejects(queued, { name: "NotSupportedError" });
});

test("a request made while away waits in the queue; its timeout counts from the call", async () => {
  const { socket, ws } = connect({ requestTimeoutMs: 15 });
  const reply = socket.request("join", {});
  assert.equal(socket.queued, 1);
  await assert.rejects(reply, { name: "TimeoutError" });
  assert.equal(socket.queued, 0);
  handshake(ws);
  assert.deepEqual(ws.sent, []);
});

test("a request dropped from the full queue rejects", async () => {
  const { socket: oldest } = connect({ queue: { capacity: 1 } });
  const dropped = oldest.request("join", {});
  oldest.send("b");
  await assert.rejects(dropped, { name: "QueueFullError" });
  assert.equal(oldest.queued, 1);
  const { socket: newest } = connect({ queue: { capacity: 1, overflow: "drop-newest" } });
  newest.send("a");
  await assert.rejects(newest.request("join", {}), { name: "QueueFullError" });
  const { socket: strict } = connect({ queue: { capacity: 1, overflow: "error" } });
  strict.send("a");
  await assert.rejects(strict.request("join", {}), { name: "QueueFullError" });
  assert.throws(() => strict.send("b"), { name: "QueueFullError" });
  assert.equal(strict.queued, 1);
});

test("an aborted request rejects with the signal's reason and is not sent", async () => {
  const { socket, ws } = connect();
  const controller = new AbortController();
  const reply = socket.request("join", {}, { signal: controller.signal });
  controller.abort(new Error("changed my mind"));
  await assert.rejects(reply, { message: "changed my mind" });
  handshake(ws);
  assert.deepEqual(ws.sent, []);
  await assert.rejects(socket.request("join", {}, { signal: controller.signal }), { message: "changed my mind" });
});

// Sessions and resumable delivery (docs/protocol.md).

const session = (token, received = 0, resumed = received > 0) => ({ resumable: true, session: token, resumed, received });

/** The "unconfirmed" and "gap" events' details. */
function reports(socket) {
  const seen = { unconfirmed: [], gaps: [] };
  socket.addEventListener("unconfirmed", event => seen.unconfirmed.push(event.detail));
  socket.addEventListener("gap", event => seen.gaps.push(event.detail));
  return seen;
}

/** Drops the connection and returns the next one, not yet accepted. */
async function reconnect(ws) {
  const count = FakeWebSocket.all.length;
  ws.drop(1006);
  return nextSocket(count);
}

test("the hello goes first; sends wait for the welcome; after a reconnect the hello presents the session and positions", async () => {
  const { socket, ws } = connect();
  socket.send("early");
  ws.accept(EndpointsProtocol);
  socket.send("while waiting");
  assert.deepEqual(ws.sent, [hello({})]);
  assert.equal(socket.state, "connecting");
  assert.equal(socket.queued, 2);
  assert.equal(socket.session, null);
  ws.receive(welcome(session("tok-1")));
  assert.deepEqual(ws.sent, [hello({}), '{"n":1}\nearly', '{"n":2}\nwhile waiting']);
  assert.equal(socket.state, "open");
  assert.equal(socket.session, "tok-1");
  assert.equal(socket.resumed, false);
  ws.receive('{"s":"a","e":"E1","o":5}\n{"type":"said","text":"one"}');
  ws.receive('{"s":"g:lobby","e":"E2","o":9}\n{"type":"said","text":"two"}');
  ws.receive('{"s":"a","e":"E1","o":12}\n{"type":"said","text":"three"}');
  assert.deepEqual(socket.positions, { a: { epoch: "E1", offset: 12 }, "g:lobby": { epoch: "E2", offset: 9 } });
  assert.ok(Object.isFrozen(socket.positions));

  const again = await reconnect(ws);
  socket.send("away");
  again.accept(EndpointsProtocol);
  assert.deepEqual(again.sent, [hello({ session: "tok-1", positions: { a: { e: "E1", o: 12 }, "g:lobby": { e: "E2", o: 9 } } })]);
});

test("a resumed session sends again, in order and before anything new, what the server had not handled; never a request", async () => {
  const { socket, ws } = open({}, EndpointsProtocol, session("tok"));
  const seen = reports(socket);
  socket.send("m1");
  socket.sendTyped("move", { x: 1 });
  const reply = socket.request("join", {});
  socket.sendJson({ a: 1 });
  socket.send(new Uint8Array([7]));
  assert.deepEqual(ws.sent, ['{"n":1}\nm1', '{"n":2}\n{"type":"move","x":1}', '{"id":1,"n":3}\n{"type":"join"}', '{"n":4}\n{"a":1}', concat('{"n":5}\n', [7])]);

  const failed = assert.rejects(reply, { name: "ConnectionError" });
  const again = await reconnect(ws);
  await failed;
  socket.send("away");
  const opened = [];
  socket.addEventListener("statechange", event => {
    if (event.detail.state !== "open" || opened.length > 0) return;
    opened.push(event.detail);
    socket.send("on open");
  });
  handshake(again, session("tok", 2));
  assert.deepEqual(again.sent, ['{"n":4}\n{"a":1}', concat('{"n":5}\n', [7]), '{"n":6}\naway', '{"n":7}\non open']);
  assert.deepEqual(opened, [{ state: "open", previous: "reconnecting", protocol: "endpoints.v1", resumed: true }]);
  assert.equal(socket.resumed, true);

  // Confirmed up to 6: only 7 goes again.
  const third = await reconnect(again);
  handshake(third, session("tok", 6));
  assert.deepEqual(third.sent, ['{"n":7}\non open']);
  assert.deepEqual(seen.unconfirmed, []);
});

test("numbering goes on across the reconnects of a session and starts over in a new one, which reports what it does not resend", async () => {
  const { socket, ws } = open({}, EndpointsProtocol, session("tok"));
  const seen = reports(socket);
  socket.send("a");
  socket.send("b");
  const again = await reconnect(ws);
  handshake(again, session("tok", 2));
  socket.send("c");
  assert.deepEqual(again.sent, ['{"n":3}\nc']);
  again.receive('{"s":"s:1","e":"E","o":4}\n{"type":"said"}');

  // The session expired: the server opened a new one. "c" may or may not have been handled; it is not sent again.
  const third = await reconnect(again);
  const presented = handshake(third, session("tok-2", 0, false));
  assert.deepEqual(presented, { session: "tok", positions: { "s:1": { e: "E", o: 4 } } });
  assert.deepEqual(seen.unconfirmed, [{ reason: "session-lost", count: 1, messages: ["c"] }]);
  assert.equal(socket.session, "tok-2");
  assert.equal(socket.resumed, false);
  assert.deepEqual(socket.positions, {});
  socket.send("d");
  assert.deepEqual(third.sent, ['{"n":1}\nd']);
});

test("a message already received (its stream's epoch, an offset not above) is dropped; another epoch is taken", () => {
  const { socket, ws } = open({}, EndpointsProtocol, session("tok"));
  const seen = listen(socket);
  const said = text => `{"type":"said","text":"${text}"}`;
  ws.receive(`{"s":"a","e":"E1","o":5}\n${said("5")}`);
  ws.receive(`{"s":"a","e":"E1","o":5}\n${said("5 again")}`);
  ws.receive(`{"s":"a","e":"E1","o":3}\n${said("3")}`);
  ws.receive(`{"s":"g:x","e":"E1","o":3}\n${said("3 of another stream")}`);
  ws.receive(`{"s":"a","e":"E1","o":8}\n${said("8")}`);
  ws.receive(`{"s":"a","e":"E0","o":2}\n${said("2 of a new epoch")}`);
  ws.receive(`{"s":"a","e":"E0","o":2}\n${said("2 again")}`);
  ws.receive(concat('{"s":"a","e":"E0","o":1}\n', [1]));
  ws.receive(`\n${said("no position")}`);
  assert.deepEqual(seen.typed.map(value => value.text), ["5", "3 of another stream", "8", "2 of a new epoch", "no position"]);
  assert.equal(seen.messages.length, 5);
  assert.deepEqual(socket.positions, { a: { epoch: "E0", offset: 2 }, "g:x": { epoch: "E1", offset: 3 } });
});

test("a subscription sets the stream's position (resumed from there even if nothing follows) and is not a message", () => {
  const { socket, ws } = open({}, EndpointsProtocol, session("tok"));
  const messages = listen(socket);
  ws.receive('{"k":"sub"}\n{"s":"g:quiet","e":"E1","o":12}');
  ws.receive('{"k":"sub"}\n{"s":"a","e":"E1","o":0}');
  ws.receive(`{"s":"g:quiet","e":"E1","o":12}\n{"type":"said","text":"seen already"}`);
  ws.receive(`{"s":"g:quiet","e":"E1","o":13}\n{"type":"said","text":"new"}`);
  assert.deepEqual(messages.typed.map(value => value.text), ["new"]);
  assert.deepEqual(socket.positions, { "g:quiet": { epoch: "E1", offset: 13 }, a: { epoch: "E1", offset: 0 } });
});

test("a gap is dispatched as a \"gap\" event, its count undefined when unknown, and not as a message", () => {
  const { socket, ws } = open({}, EndpointsProtocol, session("tok"));
  const seen = reports(socket);
  const messages = listen(socket);
  ws.receive('{"k":"gap"}\n{"s":"g:lobby","e":"E1","o":40,"count":3}');
  ws.receive('{"k":"gap"}\n{"s":"a","e":"E2","o":0}');
  assert.deepEqual(seen.gaps, [
    { stream: "g:lobby", epoch: "E1", offset: 40, count: 3 },
    { stream: "a", epoch: "E2", offset: 0, count: undefined },
  ]);
  assert.deepEqual(messages, { messages: [], typed: [] });
  assert.equal(socket.state, "open");
});

test("a welcome without a session keeps today's wire bytes: nothing numbered, nothing kept or sent again", async () => {
  const { socket, ws } = connect();
  socket.send("q");
  assert.deepEqual(handshake(ws), {});
  socket.send("a");
  socket.sendWithAck("say", {}).catch(() => {}); // rejected by the drop
  socket.send(new Uint8Array([1]));
  assert.deepEqual(ws.sent, ["\nq", "\na", '{"id":1}\n{"type":"say"}', new Uint8Array([10, 1])]);
  assert.equal(socket.session, null);
  assert.equal(socket.resumed, false);
  const again = await reconnect(ws);
  assert.deepEqual(handshake(again), {});
  assert.deepEqual(again.sent, []);
});

test("a server that does not pick endpoints.v1 gets no hello and the connection opens at once", () => {
  for (const [options, protocol] of [[{}, ""], [{ protocols: "chat.v2" }, "chat.v2"]]) {
    const { socket, ws } = connect({ ...options, welcomeTimeoutMs: 60000 });
    socket.send("queued");
    ws.accept(protocol);
    assert.equal(socket.state, "open");
    socket.send("after");
    assert.deepEqual(ws.sent, ["queued", "after"]);
  }
});

test("a server that never welcomes does not hold the sends back: after welcomeTimeoutMs they go out without a session", async () => {
  const { socket, ws } = connect({ welcomeTimeoutMs: 30 });
  const states = [];
  socket.addEventListener("statechange", event => states.push(event.detail));
  socket.send("a");
  handshake(ws, null);
  assert.deepEqual(ws.sent, []);
  assert.equal(socket.state, "connecting");
  await until(() => socket.state === "open", "the welcome timeout");
  assert.deepEqual(ws.sent, ["\na"]);
  assert.deepEqual(states, [{ state: "open", previous: "connecting", protocol: "endpoints.v1", resumed: false }]);
  // A welcome after the timeout comes too late to number what already went out: ignored.
  ws.receive(welcome(session("late")));
  socket.send("b");
  assert.deepEqual(ws.sent, ["\na", "\nb"]);
  assert.equal(socket.session, null);
});

test("the resend buffer keeps the queue's capacity; what it let go and the server had not handled is reported", async () => {
  const { socket, ws } = open({ queue: { capacity: 2 } }, EndpointsProtocol, session("tok"));
  const seen = reports(socket);
  for (const text of ["m1", "m2", "m3", "m4", "m5"]) socket.send(text);
  assert.deepEqual(seen.unconfirmed, []); // a full buffer on a healthy connection is no loss yet
  const again = await reconnect(ws);
  handshake(again, session("tok", 2));
  assert.deepEqual(seen.unconfirmed, [{ reason: "overflow", count: 1, messages: [] }]); // m3
  assert.deepEqual(again.sent, ['{"n":4}\nm4', '{"n":5}\nm5']);

  // More let go than the client remembers the numbers of: the count is unknown.
  for (const text of ["m6", "m7", "m8", "m9", "m10"]) socket.send(text);
  const third = await reconnect(again);
  handshake(third, session("tok", 5));
  assert.deepEqual(seen.unconfirmed.slice(1), [{ reason: "overflow", count: undefined, messages: [] }]);
  assert.deepEqual(third.sent, ['{"n":9}\nm9', '{"n":10}\nm10']);

  // All handled: nothing to report or resend.
  const fourth = await reconnect(third);
  handshake(fourth, session("tok", 10));
  assert.equal(seen.unconfirmed.length, 2);
  assert.deepEqual(fourth.sent, []);
});

for (const [name, payload] of [
  ["not JSON", "nope"],
  ["without resumable", "{}"],
  ["resumable without a session", '{"resumable":true,"resumed":false,"received":0}'],
  ["with a received that is not a number", '{"resumable":true,"session":"t","resumed":true,"received":"2"}'],
]) {
  test(`a malformed welcome (${name}) closes with 1002 and reconnects`, async () => {
    const { socket, ws } = connect();
    socket.send("a");
    handshake(ws, null);
    const count = FakeWebSocket.all.length;
    ws.receive('{"k":"welcome"}\n' + payload);
    assert.deepEqual(ws.closeAttempts, [1002, 4002]);
    assert.deepEqual(ws.sent, []);
    await nextSocket(count);
    assert.equal(socket.session, null);
  });
}
