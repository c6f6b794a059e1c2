import { expect, test } from "bun:test";
import { connect } from "node:net";
import { SseStream, sseEvent } from "./sse-stream.ts";

test("over a real socket, a client that stops reading is dropped once 1 MiB waits unread", async () => {
  let ended = "";
  let sent = 0;
  const chunk = sseEvent("x", { pad: "y".repeat(60_000) });
  const server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    fetch() {
      const stream = new SseStream({ maxBufferedBytes: 1024 * 1024, onEnd: (reason) => (ended = reason) });
      const timer = setInterval(() => {
        for (let i = 0; i < 20; i++) {
          if (!stream.send(chunk)) return clearInterval(timer);
          sent++;
        }
      }, 5);
      return stream.response;
    },
  });
  const socket = connect(server.port ?? 0, "127.0.0.1");
  socket.write("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n");
  socket.pause();
  try {
    for (let waited = 0; ended === "" && waited < 30_000; waited += 20) await Bun.sleep(20);
    expect(ended).toBe("slow");
    // Bounded: what was accepted is about the buffer plus what the socket took, not everything offered.
    expect(sent * chunk.byteLength).toBeLessThan(16 * 1024 * 1024);
  } finally {
    socket.destroy();
    server.stop(true);
  }
});
