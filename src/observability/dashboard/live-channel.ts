/**
 * The dashboard's WebSocket (`/_lamina/live`, docs/dashboard.md): a snapshot to each page that
 * connects, then the model's deltas, coalesced: at most one message per interval (150 ms by
 * default) however many log lines arrive, serialised once and sent to every page.
 *
 * A page that does not read (a stalled tab, a hostile client) must not grow the platform's memory:
 * while a socket has more than `maxBufferedBytes` waiting to be written, it is sent nothing (it is
 * behind, and gets a fresh snapshot once it has caught up); a socket behind for `stallMs` is cut.
 * What one socket holds is thus at most `maxBufferedBytes` plus one message, and the model bounds
 * a message.
 */
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { DashboardModel } from './dashboard-model.js';
import { LIVE_PATH } from './dashboard-http.js';
import { checkOrigin } from './same-origin.js';

export interface LiveOptions {
  /** Least time between two messages to a page, ms. Default 150. */
  readonly intervalMs?: number;
  /** Bytes a socket may have waiting before it is sent nothing more. Default 1 MiB. */
  readonly maxBufferedBytes?: number;
  /** How long a socket may stay behind before it is closed, ms. Default 10,000. */
  readonly stallMs?: number;
  /** Pages connected at once, at most. Default 16. */
  readonly maxClients?: number;
  /** Ping period, ms; a page that has not answered the previous ping is closed. Default 30,000. */
  readonly pingMs?: number;
  /** The address the server binds (`--host`), for the origin check. */
  readonly boundHost: string;
}

interface Client {
  readonly ws: WebSocket;
  /** Since when it has had too much waiting (epoch ms), if it has. */
  behindSince: number | undefined;
  alive: boolean;
}

/** What the channel did, for tests and the docs' claims. */
export interface LiveCounters {
  messages: number;
  skipped: number;
  closedSlow: number;
  refused: number;
  maxBufferedSeen: number;
}

function refuse(socket: Duplex, status: number, reason: string): void {
  // Written, then the connection is gone: a refused client gets no half-open socket to hold.
  socket.once('finish', () => socket.destroy());
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(reason) + 1}\r\n\r\n${reason}\n`);
}

/**
 * @example
 * const live = new LiveChannel(model, { boundHost: '127.0.0.1' });
 * live.attach(server); // upgrades on /_lamina/live
 * live.close();
 */
export class LiveChannel {
  readonly counters: LiveCounters = { messages: 0, skipped: 0, closedSlow: 0, refused: 0, maxBufferedSeen: 0 };
  readonly #model: DashboardModel;
  readonly #options: Required<LiveOptions>;
  readonly #wss = new WebSocketServer({ noServer: true, maxPayload: 4096, perMessageDeflate: false, clientTracking: false });
  readonly #clients = new Set<Client>();
  #timer: NodeJS.Timeout | undefined;
  #lastFlush = 0;
  readonly #ping: NodeJS.Timeout;

  constructor(model: DashboardModel, options: LiveOptions) {
    this.#model = model;
    this.#options = { intervalMs: 150, maxBufferedBytes: 1024 * 1024, stallMs: 10_000, maxClients: 16, pingMs: 30_000, ...options };
    model.onChange = () => this.#schedule();
    this.#ping = setInterval(() => this.#heartbeat(), this.#options.pingMs);
    this.#ping.unref();
  }

  get clients(): number {
    return this.#clients.size;
  }

  /** Take the server's WebSocket upgrades on {@link LIVE_PATH}; others are refused when nobody else takes them. */
  attach(server: Server): void {
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      const url = req.url ?? '/';
      const q = url.indexOf('?');
      if ((q < 0 ? url : url.slice(0, q)) !== LIVE_PATH) {
        if (server.listenerCount('upgrade') === 1) refuse(socket, 404, 'Not Found');
        return;
      }
      this.upgrade(req, socket, head);
    });
  }

  /** Accept one handshake on the live path, if it comes from the dashboard's own page. */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => socket.destroy());
    const verdict = checkOrigin(req.headers, this.#options.boundHost);
    if (!verdict.ok) {
      this.counters.refused += 1;
      refuse(socket, 403, `Forbidden: ${verdict.reason}`);
      return;
    }
    if (this.#clients.size >= this.#options.maxClients) {
      this.counters.refused += 1;
      refuse(socket, 503, 'Service Unavailable: too many dashboard pages open');
      return;
    }
    this.#wss.handleUpgrade(req, socket, head, (ws) => this.#add(ws));
  }

  /** Close every page's socket and stop the timers. */
  close(): void {
    clearTimeout(this.#timer);
    clearInterval(this.#ping);
    this.#model.onChange = undefined;
    for (const client of this.#clients) client.ws.terminate();
    this.#clients.clear();
  }

  #add(ws: WebSocket): void {
    const client: Client = { ws, behindSince: undefined, alive: true };
    ws.on('error', () => ws.terminate());
    ws.on('close', () => this.#clients.delete(client));
    ws.on('pong', () => (client.alive = true));
    // The pages before this one get what changed so far, so that the new one's snapshot and the
    // deltas after it neither miss nor repeat anything.
    this.#flush();
    this.#clients.add(client);
    this.#send(client, JSON.stringify(this.#model.snapshot()));
  }

  #schedule(): void {
    if (this.#timer !== undefined || this.#clients.size === 0) return;
    const wait = Math.max(0, this.#lastFlush + this.#options.intervalMs - Date.now());
    this.#timer = setTimeout(() => this.#flush(), wait);
    this.#timer.unref();
  }

  #flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#lastFlush = Date.now();
    const delta = this.#model.takeDelta();
    if (delta === undefined && ![...this.#clients].some((c) => c.behindSince !== undefined)) return;
    const text = delta === undefined ? undefined : JSON.stringify(delta);
    let snapshot: string | undefined;
    let behind = false;
    for (const client of this.#clients) {
      const { ws } = client;
      this.counters.maxBufferedSeen = Math.max(this.counters.maxBufferedSeen, ws.bufferedAmount);
      if (ws.bufferedAmount > this.#options.maxBufferedBytes) {
        client.behindSince ??= this.#lastFlush;
        this.counters.skipped += 1;
        if (this.#lastFlush - client.behindSince >= this.#options.stallMs) {
          this.counters.closedSlow += 1;
          this.#clients.delete(client);
          ws.terminate();
        } else {
          behind = true;
        }
      } else if (client.behindSince !== undefined) {
        // It missed deltas: it starts again from the whole state.
        client.behindSince = undefined;
        snapshot ??= JSON.stringify(this.#model.snapshot());
        this.#send(client, snapshot);
      } else if (text !== undefined) {
        this.#send(client, text);
      }
    }
    // A page behind is looked at again even when nothing changes, to resync or close it.
    if (behind) {
      this.#timer = setTimeout(() => this.#flush(), this.#options.intervalMs);
      this.#timer.unref();
    }
  }

  #send(client: Client, text: string): void {
    this.counters.messages += 1;
    client.ws.send(text);
  }

  #heartbeat(): void {
    for (const client of this.#clients) {
      if (!client.alive) {
        this.#clients.delete(client);
        client.ws.terminate();
        continue;
      }
      client.alive = false;
      client.ws.ping();
    }
  }
}
