/** A bare HTTP client for the web-service tests: full control of headers, body framing and timing. */
import http from 'node:http';
import net from 'node:net';

export interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  json(): unknown;
}

export interface SendOptions {
  method?: string;
  path?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Send the body with Transfer-Encoding: chunked (no Content-Length). */
  chunked?: boolean;
}

function collect(resolve: (answer: Answer) => void, reject: (error: Error) => void) {
  return (res: http.IncomingMessage) => {
    const chunks: Buffer[] = [];
    res.on('data', (chunk: Buffer) => chunks.push(chunk));
    res.on('error', reject);
    res.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: () => JSON.parse(text) });
    });
  };
}

export function send(port: number, options: SendOptions = {}): Promise<Answer> {
  const body = options.body === undefined ? undefined : Buffer.from(options.body);
  const headers: Record<string, string> = { ...options.headers };
  if (body && !options.chunked) headers['content-length'] ??= String(body.length);
  if (body) headers['content-type'] ??= 'application/json; charset=utf-8';
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        method: options.method ?? 'POST',
        path: options.path ?? '/',
        headers,
        agent: false,
      },
      collect(resolve, reject),
    );
    req.on('error', reject);
    if (body && options.chunked) {
      // Several writes, so the body really goes out in chunks.
      const step = 16 * 1024;
      for (let at = 0; at < body.length; at += step) req.write(body.subarray(at, at + step));
      req.end();
    } else {
      req.end(body);
    }
  });
}

/**
 * Starts a POST whose body arrives in two parts: the first part now, the rest when `finish()` is called.
 * While it waits, the request is in flight on the server.
 */
export function sendInTwoParts(
  port: number,
  options: { path?: string; headers?: Record<string, string>; body: string },
): { answer: Promise<Answer>; finish(): void } {
  const body = Buffer.from(options.body);
  const half = Math.floor(body.length / 2);
  let req!: http.ClientRequest;
  const answer = new Promise<Answer>((resolve, reject) => {
    req = http.request(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: options.path ?? '/',
        headers: {
          'content-type': 'application/json; charset=utf-8',
          'content-length': String(body.length),
          ...options.headers,
        },
        agent: false,
      },
      collect(resolve, reject),
    );
    req.on('error', reject);
    req.flushHeaders();
    req.write(body.subarray(0, half));
  });
  return { answer, finish: () => req.end(body.subarray(half)) };
}

export interface Trickle {
  socket: net.Socket;
  /** Resolves when the server closes the connection: how long it was open, and what the server wrote. */
  closed: Promise<{ ms: number; response: string }>;
  /** Resolves once the connection is up and `head` has been written. */
  connected: Promise<void>;
}

/**
 * A slow client on a raw socket: writes `head` at once, then `rest` `bytes` at a time every `everyMs`
 * (default 3 bytes a second, one byte every 333 ms), until the server closes the connection.
 */
export function trickle(
  port: number,
  head: string,
  rest: string,
  { bytesPerWrite = 1, everyMs = 333 } = {},
): Trickle {
  const started = Date.now();
  const socket = net.connect(port, '127.0.0.1');
  let response = '';
  let at = 0;
  let timer: NodeJS.Timeout | undefined;
  socket.on('data', (chunk: Buffer) => (response += chunk.toString('latin1')));
  // A server cutting the connection may reset it; the close below is what the tests look at.
  socket.on('error', () => undefined);
  const connected = new Promise<void>((resolve) =>
    socket.once('connect', () => {
      if (head) socket.write(head);
      timer = setInterval(() => {
        if (at >= rest.length || socket.destroyed) return;
        socket.write(rest.slice(at, at + bytesPerWrite));
        at += bytesPerWrite;
      }, everyMs);
      resolve();
    }),
  );
  const closed = new Promise<{ ms: number; response: string }>((resolve) =>
    socket.once('close', () => {
      clearInterval(timer);
      resolve({ ms: Date.now() - started, response });
    }),
  );
  return { socket, closed, connected };
}

/** Resolves when `check()` holds, polling every 10 ms; rejects after `timeoutMs`. */
export async function until(check: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
