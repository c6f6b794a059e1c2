import { expect, test } from "bun:test";
import { createLogger } from "./logger.ts";
import { REDACTED, redactText, redactValue } from "./redact.ts";

const KEY = "alk_AbCdEfGhIjKl_c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldA";

test("keeps the public key id and removes the secret", () => {
  expect(redactText(`bad key ${KEY} used`)).toBe("bad key alk_AbCdEfGhIjKl_*** used");
  expect(redactText("Authorization: Bearer abc.def")).toBe(`Authorization: Bearer ${REDACTED}`);
});

test("redacts secret-looking fields and errors, deeply", () => {
  const error = new Error(`rejected ${KEY}`, { cause: { password: "hunter2" } });
  const out = redactValue({ headers: { Authorization: "Bearer x" }, nested: [{ password: "p" }], error });
  const text = JSON.stringify(out);
  expect(text).not.toContain("hunter2");
  expect(text).not.toContain("c2VjcmV0");
  expect(text).not.toContain('"p"');
  expect(text).toContain("alk_AbCdEfGhIjKl_***");
});

test("the logger writes JSON lines with redacted content and respects the level", () => {
  const lines: string[] = [];
  const log = createLogger({ level: "info", sink: (l) => lines.push(l) }).child({ part: "test" });
  log.debug("hidden");
  log.info(`key ${KEY}`, { token: "t0ken" });
  expect(lines).toHaveLength(1);
  const line = JSON.parse(lines[0]!);
  expect(line).toMatchObject({
    level: "info",
    msg: "key alk_AbCdEfGhIjKl_***",
    part: "test",
    token: REDACTED,
  });
  expect(lines[0]).not.toContain("t0ken");
});
