// Types for endpoints-client.js, the Endpoints browser client.

export declare const State: Readonly<{ Connecting: "connecting"; Open: "open"; Reconnecting: "reconnecting"; Closed: "closed" }>;
export type ConnectionState = "connecting" | "open" | "reconnecting" | "closed";

/** Close codes after which the client does not reconnect (1000, 1008). */
export declare const FinalCloseCodes: readonly number[];

/** The subprotocol that carries acknowledgements and request/reply (docs/protocol.md). */
export declare const EndpointsProtocol: "endpoints.v1";

export interface ReconnectPolicy {
  /** The first wait's ceiling. Default 500 ms. */
  initialDelayMs: number;
  /** The largest ceiling. Default 30 s. */
  maxDelayMs: number;
  /** How the ceiling grows per attempt. Default 2. */
  multiplier: number;
  /** How long a connection must stay open before the backoff starts over. Default 10 s. */
  stableAfterMs: number;
  /** Attempts before giving up (state "closed"). Default Infinity. */
  maxAttempts: number;
}

export interface EndpointsSocketOptions {
  /** Subprotocols to offer; the endpoint picks its own first. endpoints.v1 is offered after them unless endpointsProtocol is false. */
  protocols?: string | string[];
  /**
   * Offer endpoints.v1 (default true): when the server picks it, messages carry a small header (added and stripped
   * here) and request, sendWithAck and onRequest work. false: plain messages only, exactly as sent.
   */
  endpointsProtocol?: boolean;
  binaryType?: BinaryType;
  /** The JSON property naming a typed message's type. Default "type". */
  typeProperty?: string;
  /** Called before every connection attempt; the token is sent as ?access_token=. */
  accessToken?: () => string | null | undefined | Promise<string | null | undefined>;
  /** How long request, sendWithAck and requestRaw wait for their answer unless told otherwise. Default 30 s. */
  requestTimeoutMs?: number;
  /**
   * How long an endpoints.v1 connection waits for the server's welcome (sends wait with it) before it goes on without
   * a session. Default 5 s.
   */
  welcomeTimeoutMs?: number;
  reconnect?: Partial<ReconnectPolicy>;
  /**
   * Sends while not open wait here. Default capacity 100, overflow "drop-oldest". On a resumable session the capacity
   * also bounds the sent messages kept until the server confirms them (see the "unconfirmed" event).
   */
  queue?: { capacity?: number; overflow?: "drop-oldest" | "drop-newest" | "error" };
}

export interface StateChangeDetail {
  state: ConnectionState;
  previous: ConnectionState;
  code?: number;
  reason?: string;
  /** The HTTP status that made the client stop (a refused upgrade). */
  status?: number;
  attempt?: number;
  delayMs?: number;
  /** On "open": the subprotocol the server picked ("endpoints.v1", one of `protocols`, or ""). */
  protocol?: string;
  /** On "open" over endpoints.v1: whether the connection resumed the session (else fetch the state you need). */
  resumed?: boolean;
}

/** The last position received from a stream of a resumable endpoint. */
export interface StreamPosition {
  readonly epoch: string;
  readonly offset: number;
}

/** A "gap": messages of a stream the server could not replay after a reconnect. */
export interface GapDetail {
  /** "a", "g:<group>", "u:<user id>" or "s:<session id>". */
  stream: string;
  epoch: string;
  offset: number;
  /** How many were lost; undefined when the server does not know (the history was lost). */
  count: number | undefined;
}

/** An "unconfirmed": messages this client sent that the server did not confirm and that are not sent again. */
export interface UnconfirmedDetail {
  /**
   * "overflow": the resend buffer (the queue's capacity) let them go and the server had not handled them: lost.
   * "session-lost": the server did not resume the session, so whether it handled them is unknown.
   */
  reason: "overflow" | "session-lost";
  /** How many; undefined when more were let go than the client remembers. */
  count: number | undefined;
  /** Those the client still held, oldest first (empty for "overflow"). */
  messages: MessageData[];
}

export interface RequestOptions {
  /** How long to wait for the answer, counted from the call (time in the queue included). Default: requestTimeoutMs. */
  timeoutMs?: number;
  /** Gives the request up: it rejects with signal.reason, and one still queued is not sent. */
  signal?: AbortSignal;
}

/**
 * The name of the Error a request rejects with: "TimeoutError" (no answer in time), "RequestError" (the endpoint
 * answered with an error: its text is the message), "ConnectionError" (the connection ended first; the request is not
 * sent again), "NotSupportedError" (the server did not pick endpoints.v1), "QueueFullError" (dropped from the queue).
 */
export type RequestErrorName = "TimeoutError" | "RequestError" | "ConnectionError" | "NotSupportedError" | "QueueFullError";

/** What a message can be: text, or binary (sent as one binary message). */
export type MessageData = string | ArrayBufferLike | ArrayBufferView | Blob;

/** Full jitter: a random wait in [0, min(maxDelayMs, initialDelayMs × multiplier^attempt)). */
export declare function reconnectDelay(attempt: number, policy?: ReconnectPolicy, random?: () => number): number;

export declare class EndpointsSocket extends EventTarget {
  constructor(url: string | URL, options?: EndpointsSocketOptions);
  readonly state: ConnectionState;
  readonly queued: number;
  /** The subprotocol the server picked for the open connection ("endpoints.v1", one of `protocols`, or ""); "" when not open. */
  readonly protocol: string;
  /** The session's token while a resumable endpoint keeps a session for this socket, else null. */
  readonly session: string | null;
  /** Whether the last connection resumed the session. */
  readonly resumed: boolean;
  /** A copy of the last position received per stream, for diagnostics. */
  readonly positions: Readonly<Record<string, StreamPosition>>;
  send(data: MessageData): boolean;
  sendJson(value: unknown): boolean;
  sendTyped(type: string, value: object): boolean;
  /** Sends {"type": type, ...value} as a request; resolves with the reply parsed from JSON (undefined for an acknowledgement). */
  request<TReply = unknown>(type: string, value: object, options?: RequestOptions): Promise<TReply>;
  /** Sends {"type": type, ...value}; resolves once the endpoint has handled it. */
  sendWithAck(type: string, value: object, options?: RequestOptions): Promise<void>;
  /** Sends text or binary as a request; resolves with the answer's payload text ("" for an acknowledgement). */
  requestRaw(data: MessageData, options?: RequestOptions): Promise<string>;
  on<T = any>(type: string, handler: (value: T) => void): () => void;
  /**
   * Answers the endpoint's requests of this type with what handler returns (sent as JSON; undefined: an
   * acknowledgement); a throw or rejection answers with its message as the error. One handler per type.
   */
  onRequest<TRequest = any, TReply = unknown>(type: string, handler: (request: TRequest) => TReply | Promise<TReply>): () => void;
  /** Answers the requests no typed handler takes: the parsed JSON, or the text or binary when it is not JSON. */
  onRequest(handler: (request: unknown) => unknown): () => void;
  /** Closes for good: no reconnect. Unanswered requests reject. */
  close(code?: number, reason?: string): void;
  addEventListener(type: "statechange", listener: (event: CustomEvent<StateChangeDetail>) => void, options?: boolean | AddEventListenerOptions): void;
  addEventListener(type: "message", listener: (event: CustomEvent<{ data: string | ArrayBuffer | Blob }>) => void, options?: boolean | AddEventListenerOptions): void;
  addEventListener(type: "gap", listener: (event: CustomEvent<GapDetail>) => void, options?: boolean | AddEventListenerOptions): void;
  addEventListener(type: "unconfirmed", listener: (event: CustomEvent<UnconfirmedDetail>) => void, options?: boolean | AddEventListenerOptions): void;
  addEventListener(type: string, listener: EventListenerOrEventListenerObject | null, options?: boolean | AddEventListenerOptions): void;
}
