// Types for endpoints-client.js, the Endpoints browser client.

export declare const State: Readonly<{ Connecting: "connecting"; Open: "open"; Reconnecting: "reconnecting"; Closed: "closed" }>;
export type ConnectionState = "connecting" | "open" | "reconnecting" | "closed";

/** Close codes after which the client does not reconnect (1000, 1008). */
export declare const FinalCloseCodes: readonly number[];

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
  protocols?: string | string[];
  binaryType?: BinaryType;
  /** The JSON property naming a typed message's type. Default "type". */
  typeProperty?: string;
  /** Called before every connection attempt; the token is sent as ?access_token=. */
  accessToken?: () => string | null | undefined | Promise<string | null | undefined>;
  reconnect?: Partial<ReconnectPolicy>;
  /** Sends while not open wait here. Default capacity 100, overflow "drop-oldest". */
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
}

/** Full jitter: a random wait in [0, min(maxDelayMs, initialDelayMs × multiplier^attempt)). */
export declare function reconnectDelay(attempt: number, policy?: ReconnectPolicy, random?: () => number): number;

export declare class EndpointsSocket extends EventTarget {
  constructor(url: string | URL, options?: EndpointsSocketOptions);
  readonly state: ConnectionState;
  readonly queued: number;
  send(data: string | ArrayBufferLike | Blob | ArrayBufferView): boolean;
  sendJson(value: unknown): boolean;
  sendTyped(type: string, value: object): boolean;
  on<T = any>(type: string, handler: (value: T) => void): () => void;
  close(code?: number, reason?: string): void;
  addEventListener(type: "statechange", listener: (event: CustomEvent<StateChangeDetail>) => void, options?: boolean | AddEventListenerOptions): void;
  addEventListener(type: "message", listener: (event: CustomEvent<{ data: string | ArrayBuffer | Blob }>) => void, options?: boolean | AddEventListenerOptions): void;
  addEventListener(type: string, listener: EventListenerOrEventListenerObject | null, options?: boolean | AddEventListenerOptions): void;
}
