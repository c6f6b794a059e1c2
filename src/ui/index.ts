/** The operator dashboard: its session cookie and the front end embedded in the binary (docs/dashboard.md). */

export { type UiAsset, uiAsset, uiIndexHtml } from "./assets.ts";
export {
  CSRF_HEADER,
  clearedSessionCookie,
  DEFAULT_SESSION_TTL_MS,
  hasCsrfHeader,
  readSessionCookie,
  SESSION_COOKIE,
  SESSION_KEY_INFO,
  type Session,
  SessionSealer,
  sessionCookie,
} from "./session.ts";
