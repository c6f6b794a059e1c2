/**
 * Messages between hub instances on their instance channels. Plain text, one header field per line and the
 * frame last (frames are JSON text and carry no raw newline), so relaying a call costs no JSON work beyond
 * what the frame itself needed.
 *
 *   F  from, connectionId, kind, hubId, frame
 *                                        → forward `frame` about call `hubId` to a local connection; kind is "q"
 *                                           (call.requested), "s" (call.requested of a subscription) or "a"
 *                                           (call.aborted) — the routing facts, so the owner never reads the frame
 *   R  from, connectionId, frame         → a spoke's reply frame for a call the receiver started, as the spoke
 *                                           sent it (the owner checked it; the receiver only parses it)
 *   A  from, hubIds                      → the owner took these calls (comma-separated; sent only for calls
 *                                           not answered within remoteAckMs / 4 — a reply acknowledges too)
 *   N  from, hubId                       → the connection is not on the owner any more
 *   T  from, spokeName, connectionId     → close that connection: it was taken over (4409)
 *   D  from, spokeName, connectionId     → close that connection: an operator disconnected it (1000)
 */
export type InstanceMessage =
  | {
      kind: "F";
      from: string;
      connectionId: string;
      type: "call.requested" | "call.aborted";
      subscription: boolean;
      hubId: string;
      frame: string;
    }
  | { kind: "R"; from: string; connectionId: string; frame: string }
  | { kind: "A"; from: string; hubId: string }
  | { kind: "N"; from: string; hubId: string }
  | { kind: "T" | "D"; from: string; spokeName: string; connectionId: string };

export function encodeForward(
  from: string,
  connectionId: string,
  type: "call.requested" | "call.aborted",
  hubId: string,
  subscription: boolean,
  frame: string,
): string {
  const kind = type === "call.aborted" ? "a" : subscription ? "s" : "q";
  return `F\n${from}\n${connectionId}\n${kind}\n${hubId}\n${frame}`;
}

export function encodeReply(from: string, connectionId: string, frame: string): string {
  return `R\n${from}\n${connectionId}\n${frame}`;
}

export function encodeAck(from: string, hubId: string): string {
  return `A\n${from}\n${hubId}`;
}

export function encodeNotHere(from: string, hubId: string): string {
  return `N\n${from}\n${hubId}`;
}

export function encodeTakeover(from: string, spokeName: string, connectionId: string): string {
  return `T\n${from}\n${spokeName}\n${connectionId}`;
}

export function encodeDisconnect(from: string, spokeName: string, connectionId: string): string {
  return `D\n${from}\n${spokeName}\n${connectionId}`;
}

/** Splits off `count` header lines; the rest (which may contain no newline) is the body. */
function fields(text: string, count: number): string[] | undefined {
  const out: string[] = [];
  let start = 0;
  for (let i = 0; i < count; i++) {
    const end = text.indexOf("\n", start);
    if (end < 0) return undefined;
    out.push(text.slice(start, end));
    start = end + 1;
  }
  out.push(text.slice(start));
  return out;
}

/** Decodes one message; undefined for anything malformed (ignored by the receiver). */
export function decodeInstanceMessage(text: string): InstanceMessage | undefined {
  switch (text[0]) {
    case "F": {
      const f = fields(text, 5);
      if (!f || (f[3] !== "q" && f[3] !== "s" && f[3] !== "a")) return undefined;
      return {
        kind: "F",
        from: f[1]!,
        connectionId: f[2]!,
        type: f[3] === "a" ? "call.aborted" : "call.requested",
        subscription: f[3] === "s",
        hubId: f[4]!,
        frame: f[5]!,
      };
    }
    case "R": {
      const f = fields(text, 3);
      return f && { kind: "R", from: f[1]!, connectionId: f[2]!, frame: f[3]! };
    }
    case "A":
    case "N": {
      const f = fields(text, 2);
      return f && { kind: text[0], from: f[1]!, hubId: f[2]! };
    }
    case "T":
    case "D": {
      const f = fields(text, 3);
      return f && { kind: text[0], from: f[1]!, spokeName: f[2]!, connectionId: f[3]! };
    }
    default:
      return undefined;
  }
}
