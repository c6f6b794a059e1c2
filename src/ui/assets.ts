/**
 * The dashboard's files as the hub serves them: the bundled script and style sheet (from the generated
 * assets.gen.ts, so nothing is read from disk), gzipped once on first use, and the HTML shell that loads them.
 */
import { UI_BUILD } from "./assets.gen.ts";

/** One file of the dashboard, ready to send. */
export interface UiAsset {
  contentType: string;
  body: string;
  /** The same bytes gzipped, for clients that accept it. */
  gzip: Uint8Array<ArrayBuffer>;
}

const CONTENT_TYPES: Record<string, string> = {
  js: "text/javascript; charset=utf-8",
  css: "text/css; charset=utf-8",
};
const cache = new Map<string, UiAsset>();

/** The hashed asset `name` (e.g. `app-0123abcd.js`), or undefined when the build has no such file. */
export function uiAsset(name: string): UiAsset | undefined {
  const cached = cache.get(name);
  if (cached) return cached;
  const files = UI_BUILD.files as Record<string, string>;
  if (!Object.hasOwn(files, name)) return undefined;
  const body = files[name] as string;
  const asset = {
    contentType: CONTENT_TYPES[name.split(".").at(-1) ?? ""] ?? "application/octet-stream",
    body,
    gzip: Bun.gzipSync(new TextEncoder().encode(body)) as Uint8Array<ArrayBuffer>,
  };
  cache.set(name, asset);
  return asset;
}

/**
 * The HTML shell: no inline script or style (the Content-Security-Policy forbids both), a data: favicon so the
 * browser asks for nothing else, and the app mounting into <main>.
 */
export function uiIndexHtml(): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>alkhub dashboard</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/ui/assets/${UI_BUILD.style}">
<script type="module" src="/ui/assets/${UI_BUILD.script}"></script>
</head>
<body>
<div id="app"><p class="boot">Loading the dashboard…</p></div>
<noscript>The alkhub dashboard needs JavaScript.</noscript>
</body>
</html>
`;
}
