/**
 * A small client for the hub's `/api/v1` routes in tests: sends JSON with a key (or none) and checks every
 * successful answer against the response schema its route declares in the table — so a test that drives a route
 * also proves the OpenAPI document tells the truth about it.
 */
import { expect } from "bun:test";
import type { TSchema } from "@sinclair/typebox";
import { type AnyRoute, type ApiDeps, apiRouteTable } from "../../src/admin/index.ts";
import { compileChecker } from "../../src/protocol/index.ts";

/** The table with deps that are never reached (only its schemas are read). */
export function routeTableForTests(): AnyRoute[] {
  return apiRouteTable(
    new Proxy({} as ApiDeps, {
      get: () => () => {
        throw new Error("the table's handlers are not run from tests");
      },
    }),
  );
}

const ROUTES = routeTableForTests().map((route) => ({
  route,
  pattern: new RegExp(`^${route.path.replace(/\{[^}]+\}/g, "[^/]+")}$`),
  check: compileChecker(route.response as TSchema),
}));

/** An answer: status, parsed JSON body (undefined when not JSON) and the raw text. */
export interface ApiAnswer {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: tests read answers as loose JSON.
  body: any;
  text: string;
  headers: Headers;
}

/** Sends `method path` (under /api/v1) with `key` as bearer (none when undefined). */
export async function api(
  baseUrl: string,
  method: string,
  path: string,
  options: { key?: string; body?: unknown; rawBody?: string } = {},
): Promise<ApiAnswer> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (options.key) headers.authorization = `Bearer ${options.key}`;
  const response = await fetch(`${baseUrl}/api/v1${path}`, {
    method,
    headers,
    body: options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body)),
  });
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  const answer = { status: response.status, body, text, headers: response.headers };
  if (response.status < 300) checkAgainstTable(method, path, answer);
  return answer;
}

/** A successful answer matches its route's response schema; an error answer is `{ code, message }`. */
function checkAgainstTable(method: string, path: string, answer: ApiAnswer): void {
  const pathOnly = path.split("?")[0] as string;
  const entry = ROUTES.find((r) => r.route.method === method && r.pattern.test(pathOnly));
  expect(entry, `${method} ${pathOnly} is in the route table`).toBeDefined();
  const problem = entry?.check.explain(answer.body, "answer");
  expect(problem, `${method} ${pathOnly} answers what its schema says`).toBeUndefined();
}

/** Expects a refusal: `status`, the code, and (when given) text the message must contain. */
export function expectRefusal(
  answer: ApiAnswer,
  status: number,
  code: string,
  message?: string | RegExp,
): void {
  expect({ status: answer.status, code: answer.body?.code }).toEqual({ status, code });
  expect(Object.keys(answer.body ?? {}).sort()).toEqual(
    answer.body?.details === undefined ? ["code", "message"] : ["code", "details", "message"],
  );
  if (typeof message === "string") expect(answer.body.message).toContain(message);
  else if (message) expect(answer.body.message).toMatch(message);
}

/** Every item of a paged list, following `nextCursor` with `limit` per page; also returns the page sizes. */
export async function allPages(
  baseUrl: string,
  key: string,
  path: string,
  limit: number,
): Promise<{ items: ApiAnswer["body"][]; pages: number[] }> {
  const items: unknown[] = [];
  const pages: number[] = [];
  let cursor: string | null = null;
  const joiner = path.includes("?") ? "&" : "?";
  do {
    const answer = await api(
      baseUrl,
      "GET",
      `${path}${joiner}limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`,
      { key },
    );
    expect(answer.status).toBe(200);
    items.push(...answer.body.items);
    pages.push(answer.body.items.length);
    cursor = answer.body.nextCursor;
    expect(pages.length).toBeLessThan(100);
  } while (cursor !== null);
  return { items, pages };
}
