/**
 * The dashboard's one way to talk to the hub: same-origin fetch with the session cookie and the CSRF header
 * (`X-Alkhub-CSRF: 1`, which the hub requires on every cookie-authenticated request).
 */

/** An error answer of the hub: `{ code, message }` and the HTTP status. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }

  /** The hub answered that the route does not exist: an older hub, or a part not built in. */
  get notAvailable(): boolean {
    return this.status === 404 && this.message === "no such route";
  }
}

let onSignedOut: () => void = () => {};

/** Registers what happens when the session ends (a 401 from the hub). */
export function whenSignedOut(listener: () => void): void {
  onSignedOut = listener;
}

/** Calls the hub; resolves with the JSON answer, rejects with `ApiError`. */
export async function api<T>(
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE",
  path: string,
  body?: unknown,
  signal?: AbortSignal,
): Promise<T> {
  const response = await fetch(path, {
    method,
    credentials: "same-origin",
    headers: {
      "x-alkhub-csrf": "1",
      accept: "application/json",
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal,
  });
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  if (!response.ok) {
    const error = (parsed ?? {}) as { code?: string; message?: string };
    if (response.status === 401 && path.startsWith("/api/")) onSignedOut();
    throw new ApiError(
      response.status,
      error.code ?? "HTTP_ERROR",
      error.message ?? `HTTP ${response.status}`,
    );
  }
  return parsed as T;
}

/** A list answer of the admin API. */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** A query string from the defined, non-empty values. */
export function query(values: Record<string, string | number | undefined | null>): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(values)) {
    if (value !== undefined && value !== null && value !== "") params.set(name, String(value));
  }
  const text = params.toString();
  return text ? `?${text}` : "";
}
