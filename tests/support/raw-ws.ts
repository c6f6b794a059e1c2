/**
 * WebSocket over a bare TCP socket, for what a real client library hides: the HTTP status of a refused upgrade,
 * and a peer that never answers pings (runtimes answer them by themselves). Loopback only.
 */
import { connect } from "node:net";
import type { Socket } from "bun";
import { EVENT_WAIT_MS } from "./eventually.ts";

/** The answer to an upgrade request: status line code, headers (lower-case names) and any body read. */
export interface UpgradeAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

interface Parsed {
  status: number;
  headers: Record<string, string>;
  rest: Uint8Array;
}

function parseHead(buffer: Uint8Array): Parsed | undefined {
  const text = new TextDecoder("latin1").decode(buffer);
  const end = text.indexOf("\r\n\r\n");
  if (end < 0) return undefined;
  const [statusLine = "", ...lines] = text.slice(0, end).split("\r\n");
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(":");
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { status: Number(statusLine.split(" ")[1]), headers, rest: buffer.slice(end + 4) };
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

function upgradeRequest(url: URL, headers: Record<string, string>): string {
  const key = Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString("base64");
  const lines = [
    `GET ${url.pathname}${url.search} HTTP/1.1`,
    `Host: ${url.host}`,
    "Connection: Upgrade",
    "Upgrade: websocket",
    "Sec-WebSocket-Version: 13",
    `Sec-WebSocket-Key: ${key}`,
    ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
  ];
  return `${lines.join("\r\n")}\r\n\r\n`;
}

/**
 * Sends a WebSocket upgrade request to `url` (`http://…/ws`) with `headers` and returns the HTTP answer; an
 * accepted upgrade (101) is closed right after.
 */
export async function upgradeStatus(
  url: string,
  headers: Record<string, string> = {},
): Promise<UpgradeAnswer> {
  const target = new URL(url);
  const { promise, resolve, reject } = Promise.withResolvers<UpgradeAnswer>();
  let buffer: Uint8Array = new Uint8Array(0);
  let head: Parsed | undefined;
  const finish = (socket: Socket<undefined>) => {
    if (!head) return;
    const length = Number(head.headers["content-length"] ?? -1);
    const body = new TextDecoder().decode(head.rest);
    if (head.status === 101 || (length >= 0 && head.rest.length >= length)) {
      resolve({ status: head.status, headers: head.headers, body });
      socket.end();
    }
  };
  const socket = await Bun.connect({
    hostname: target.hostname,
    port: Number(target.port),
    socket: {
      open: (s) => void s.write(upgradeRequest(target, headers)),
      data: (s, chunk) => {
        buffer = concat(buffer, chunk);
        head = parseHead(buffer);
        finish(s);
      },
      close: () => {
        if (head)
          resolve({ status: head.status, headers: head.headers, body: new TextDecoder().decode(head.rest) });
        else reject(new Error("the connection closed before an HTTP answer"));
      },
      error: (_s, error) => reject(error),
    },
  });
  const timer = setTimeout(() => {
    reject(new Error(`no answer to the upgrade request within ${EVENT_WAIT_MS} ms`));
    socket.end();
  }, EVENT_WAIT_MS);
  try {
    return await promise;
  } finally {
    clearTimeout(timer);
  }
}

/** A WebSocket peer on a bare socket that never answers pings and can stop reading altogether. */
export interface SilentSocket {
  /** Text frames received. */
  readonly texts: string[];
  /** Pings received (never answered). */
  readonly pings: () => number;
  /** Bytes of WebSocket frames received so far. */
  readonly bytes: () => number;
  /** The close frame the server sent (code 1005 when it had none), or 1006 if the TCP connection just ended. */
  readonly closed: Promise<{ code: number; reason: string }>;
  /** Whether the TCP connection has ended. */
  readonly ended: () => boolean;
  /** Sends one masked text frame. */
  sendText(text: string): void;
  /** Stops reading from the socket: the kernel buffers fill and the server sees backpressure. */
  pause(): void;
  resume(): void;
  /** Ends the TCP connection. */
  end(): void;
}

/** Opens a WebSocket on a bare TCP socket (node:net, which can pause reading); rejects unless answered 101. */
export async function openSilentSocket(url: string, headers: Record<string, string>): Promise<SilentSocket> {
  const target = new URL(url);
  const texts: string[] = [];
  let pings = 0;
  let bytes = 0;
  let ended = false;
  let buffer: Uint8Array = new Uint8Array(0);
  let upgraded = false;
  const opened = Promise.withResolvers<void>();
  const closed = Promise.withResolvers<{ code: number; reason: string }>();
  const readFrames = () => {
    for (;;) {
      const frame = nextFrame(buffer);
      if (!frame) return;
      buffer = buffer.slice(frame.size);
      bytes += frame.size;
      if (frame.opcode === 0x1) texts.push(new TextDecoder().decode(frame.data));
      if (frame.opcode === 0x9) pings++;
      if (frame.opcode === 0x8) {
        const code = frame.data.length >= 2 ? (frame.data[0]! << 8) | frame.data[1]! : 1005;
        closed.resolve({ code, reason: new TextDecoder().decode(frame.data.slice(2)) });
      }
    }
  };
  const socket = connect(Number(target.port), target.hostname);
  socket.on("connect", () => socket.write(upgradeRequest(target, headers)));
  socket.on("data", (chunk: Buffer) => {
    buffer = concat(buffer, new Uint8Array(chunk));
    if (!upgraded) {
      const head = parseHead(buffer);
      if (!head) return;
      if (head.status !== 101) {
        opened.reject(new Error(`upgrade refused with HTTP ${head.status}`));
        return;
      }
      upgraded = true;
      buffer = head.rest;
      opened.resolve();
    }
    readFrames();
  });
  const onEnd = () => {
    ended = true;
    opened.reject(new Error("the connection closed during the upgrade"));
    closed.resolve({ code: 1006, reason: "" });
  };
  socket.on("close", onEnd);
  socket.on("error", onEnd);
  await opened.promise;
  return {
    texts,
    pings: () => pings,
    bytes: () => bytes,
    closed: closed.promise,
    ended: () => ended,
    sendText: (text) => void socket.write(maskedFrame(0x1, new TextEncoder().encode(text))),
    pause: () => void socket.pause(),
    resume: () => void socket.resume(),
    end: () => void socket.destroy(),
  };
}

function nextFrame(buffer: Uint8Array): { opcode: number; data: Uint8Array; size: number } | undefined {
  if (buffer.length < 2) return undefined;
  const opcode = buffer[0]! & 0x0f;
  let length = buffer[1]! & 0x7f;
  let offset = 2;
  if (length === 126) {
    if (buffer.length < 4) return undefined;
    length = (buffer[2]! << 8) | buffer[3]!;
    offset = 4;
  } else if (length === 127) {
    if (buffer.length < 10) return undefined;
    length = Number(new DataView(buffer.buffer, buffer.byteOffset + 2, 8).getBigUint64(0));
    offset = 10;
  }
  if (buffer.length < offset + length) return undefined;
  return { opcode, data: buffer.slice(offset, offset + length), size: offset + length };
}

function maskedFrame(opcode: number, data: Uint8Array): Uint8Array {
  const mask = crypto.getRandomValues(new Uint8Array(4));
  const lengthBytes = data.length < 126 ? 0 : data.length < 65536 ? 2 : 8;
  const head = new Uint8Array(2 + lengthBytes + 4);
  head[0] = 0x80 | opcode;
  if (lengthBytes === 0) head[1] = 0x80 | data.length;
  else if (lengthBytes === 2) {
    head[1] = 0x80 | 126;
    head[2] = data.length >> 8;
    head[3] = data.length & 0xff;
  } else {
    head[1] = 0x80 | 127;
    new DataView(head.buffer).setBigUint64(2, BigInt(data.length));
  }
  head.set(mask, 2 + lengthBytes);
  const body = data.map((byte, index) => byte ^ mask[index % 4]!);
  return concat(head, body);
}
