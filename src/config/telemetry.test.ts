/** `telemetry.otlp`: off by default, defaults filled in, header values decrypted and never shown in errors. */
import { expect, test } from "bun:test";
import { randomBytes } from "node:crypto";
import { ConfigError } from "../errors.ts";
import { encryptConfigValue } from "./encrypted.ts";
import { parseConfigText } from "./load.ts";

const master = new Uint8Array(randomBytes(32));
const FILE = "/etc/alkhub/config.json";
const parse = (value: unknown) => parseConfigText(JSON.stringify(value), { file: FILE, masterKey: master });

function problem(value: unknown): string {
  try {
    parse(value);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error("expected a ConfigError");
}

test("absent: tracing is off", () => {
  expect(parse({}).telemetry).toEqual({});
});

test("an endpoint alone gets every default", () => {
  expect(parse({ telemetry: { otlp: { endpoint: "http://collector:4318" } } }).telemetry.otlp).toEqual({
    endpoint: "http://collector:4318",
    headers: {},
    samplingRatio: 1,
    serviceName: "alkhub",
    exportDelayMs: 5000,
    exportTimeoutMs: 10_000,
    maxQueueSize: 2048,
  });
});

test("an encrypted header value is decrypted", () => {
  const sealed = encryptConfigValue(master, "/telemetry/otlp/headers/authorization", "Bearer s3cret");
  const config = parse({
    telemetry: { otlp: { endpoint: "https://x.example", headers: { authorization: sealed } } },
  });
  expect(config.telemetry.otlp?.headers).toEqual({ authorization: "Bearer s3cret" });
});

test("errors name the path but never show a header value or the endpoint", () => {
  const badHeader = problem({
    telemetry: { otlp: { endpoint: "http://c:4318", headers: { token: 12345 } } },
  });
  expect(badHeader).toContain("/telemetry/otlp/headers/token");
  expect(badHeader).not.toContain("12345");
  const badEndpoint = problem({ telemetry: { otlp: { endpoint: "ftp://user:pw@c" } } });
  expect(badEndpoint).toContain("/telemetry/otlp/endpoint");
  expect(badEndpoint).not.toContain("pw@c");
});

test("out-of-range and unknown members are refused with their path", () => {
  expect(problem({ telemetry: { otlp: { endpoint: "http://c", samplingRatio: 2 } } })).toContain(
    "/telemetry/otlp/samplingRatio",
  );
  expect(problem({ telemetry: { otlp: { endpoint: "http://c", sample: 1 } } })).toContain(
    "/telemetry/otlp/sample: unknown key",
  );
  expect(problem({ telemetry: { otlp: {} } })).toContain("/telemetry/otlp/endpoint: required key is missing");
});
