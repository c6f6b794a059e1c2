/**
 * The OpenAPI 3.1 document of the route table: one operation per route, its TypeBox schemas as JSON Schema
 * 2020-12 (OpenAPI 3.1's own dialect), named schemas (`$id`) moved to `components.schemas`, the error answers
 * each route can give, and the scope it needs (`x-alkhub-scope`). Pure: the same table gives the same document.
 */
import type { TSchema } from "@sinclair/typebox";
import type { AnyRoute, RouteMethod } from "./route.ts";

/** A JSON object, loosely typed (the document is data). */
type Json = Record<string, unknown>;

/** Title, version and the URL prefix the table is mounted at. */
export interface OpenApiInfo {
  title: string;
  version: string;
  description?: string;
  /** Mount prefix, the document's server URL (`/api/v1`). */
  prefix: string;
}

/** Descriptions of the tags, in the order the reference lists them. */
export const TAG_DESCRIPTIONS: Record<string, string> = {
  catalog: "The spokes and operations a key may see, and calls over HTTP (scope any).",
  keys: "API keys: list, create, change, revoke (scope admin).",
  accounts: "Accounts (tenants) that own keys, spokes and clients (scope admin).",
  clients: "Clients: the services an account's secrets are for (scope admin).",
  secrets: "Sealed client secrets: names and versions only, never a value (scope admin).",
  meta: "This document.",
};

const ERROR_STATUSES = {
  400: "VALIDATION_ERROR: the request is malformed; the message names the field (`body.scopes[0]: ...`).",
  401: "ACCESS_DENIED: no key, or the key was refused (unknown, revoked, disabled, expired).",
  403: "ACCESS_DENIED: the key lacks the scope this route needs.",
  404: "OPERATION_NOT_FOUND: no such key, account, client, secret or operation.",
  409: "NAME_TAKEN: something of that name exists.",
  413: "PAYLOAD_TOO_LARGE: the body is over the limit.",
  429: "RATE_LIMITED: too many failed authentications (see Retry-After).",
  503: "UNAVAILABLE: the hub is starting, or its database is unreachable; try again.",
} as const;

/** Builds the document for `routes`. */
export function openApiDocument(routes: readonly AnyRoute[], info: OpenApiInfo): Json {
  const components: Record<string, Json> = {
    Error: {
      type: "object",
      required: ["code", "message"],
      properties: {
        code: { type: "string", description: "A code of PROTOCOL.md › Error codes." },
        message: { type: "string" },
        details: { description: "More about the error, when there is more." },
      },
    },
  };
  const paths: Record<string, Record<string, Json>> = {};
  const tags = new Set<string>();
  for (const route of routes) {
    tags.add(route.tag);
    paths[route.path] ??= {};
    const path = paths[route.path] as Record<string, Json>;
    path[route.method.toLowerCase()] = operation(route, (schema) => lift(schema, components));
  }
  return {
    openapi: "3.1.0",
    info: {
      title: info.title,
      version: info.version,
      ...(info.description ? { description: info.description } : {}),
    },
    jsonSchemaDialect: "https://spec.openapis.org/oas/3.1/dialect/base",
    servers: [{ url: info.prefix }],
    security: [{ bearer: [] }],
    tags: [...tags].map((name) => ({
      name,
      ...(TAG_DESCRIPTIONS[name] ? { description: TAG_DESCRIPTIONS[name] } : {}),
    })),
    paths,
    components: {
      schemas: components,
      securitySchemes: {
        bearer: {
          type: "http",
          scheme: "bearer",
          description: "An API key: `Authorization: Bearer alk_<id>_<secret>`.",
        },
      },
      responses: Object.fromEntries(
        Object.entries(ERROR_STATUSES).map(([status, description]) => [
          `Error${status}`,
          {
            description,
            content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
          },
        ]),
      ),
    },
  };
}

/** `GET /keys/{id}` → `getKeysById`: unique per method and path. */
export function operationId(method: RouteMethod, path: string): string {
  const words = path
    .split("/")
    .filter((part) => part !== "")
    .map((part) => {
      const param = /^\{(.+)\}$/.exec(part)?.[1];
      return param === undefined ? capital(part) : `By${capital(param)}`;
    });
  return `${method.toLowerCase()}${words.join("")}`;
}

function operation(route: AnyRoute, schema: (schema: TSchema) => Json): Json {
  const parameters = [
    ...parametersOf(route.params, "path", schema),
    ...parametersOf(route.query, "query", schema),
  ];
  const status = String(route.status ?? 200);
  const success = route.stream
    ? {
        description: route.summary,
        content: {
          [route.stream]: {
            schema: { type: "string", description: "Server-sent events." },
            "x-alkhub-event-data": schema(route.response),
          },
        },
      }
    : { description: route.summary, content: { "application/json": { schema: schema(route.response) } } };
  const errors: number[] = [400];
  if (route.scope !== "public") errors.push(401, 403, 429);
  if (route.params) errors.push(404);
  if (route.method === "POST" || route.method === "PUT") errors.push(409);
  if (route.body) errors.push(413);
  errors.push(503);
  const body = route.body as TSchema | undefined;
  return {
    operationId: operationId(route.method, route.path),
    summary: route.summary,
    ...(route.description ? { description: route.description } : {}),
    tags: [route.tag],
    "x-alkhub-scope": route.scope,
    ...(route.scope === "public" ? { security: [] } : {}),
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(body
      ? {
          requestBody: {
            required:
              route.bodyMode === "raw" || ((body as { required?: string[] }).required?.length ?? 0) > 0,
            content: { "application/json": { schema: schema(body) } },
          },
        }
      : {}),
    responses: {
      [status]: success,
      ...Object.fromEntries(
        errors.map((code) => [String(code), { $ref: `#/components/responses/Error${code}` }]),
      ),
    },
  };
}

/** One parameter per property of an object schema. */
function parametersOf(
  objectSchema: TSchema | undefined,
  where: "path" | "query",
  schema: (s: TSchema) => Json,
) {
  if (!objectSchema) return [];
  const properties = (objectSchema.properties ?? {}) as Record<string, TSchema>;
  const required = new Set<string>((objectSchema.required as string[] | undefined) ?? []);
  return Object.entries(properties).map(([name, property]) => {
    const { description, ...rest } = schema(property);
    return {
      name,
      in: where,
      required: where === "path" || required.has(name),
      ...(typeof description === "string" ? { description } : {}),
      schema: rest,
    };
  });
}

/**
 * A TypeBox schema as plain JSON Schema: symbols (TypeBox's own markers) dropped by the JSON round trip, and
 * every sub-schema with an `$id` moved to `components` and referenced there.
 */
function lift(schema: TSchema, components: Record<string, Json>): Json {
  const plain = JSON.parse(JSON.stringify(schema)) as Json;
  const walk = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(walk);
    if (value === null || typeof value !== "object") return value;
    const { $id, ...rest } = value as Json;
    const out = Object.fromEntries(Object.entries(rest).map(([key, child]) => [key, walk(child)]));
    if (typeof $id !== "string") return out;
    components[$id] = out;
    return { $ref: `#/components/schemas/${$id}` };
  };
  return walk(plain) as Json;
}

function capital(word: string): string {
  return word
    .split(/[-_.]/)
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join("");
}
