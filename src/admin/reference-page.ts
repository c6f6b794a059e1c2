/**
 * `GET /api/docs`: a self-contained reference of the OpenAPI document — one HTML page with the document, the
 * style and the script inline (no CDN, no files beside the binary). Its Content-Security-Policy allows only that
 * one script (by hash) and inline style, nothing from elsewhere.
 */
import { createHash } from "node:crypto";
import { REFERENCE_SCRIPT } from "./reference-script.ts";

const STYLE = `
body{margin:0;font:14px/1.5 system-ui,sans-serif;color:#1d2430;display:flex;min-height:100vh}
nav{width:280px;flex:none;align-self:flex-start;background:#f4f6f9;border-right:1px solid #dde2ea;padding:12px;position:sticky;top:0;height:100vh;overflow:auto;box-sizing:border-box}
nav a{display:block;color:#1d2430;text-decoration:none;padding:2px 4px;font-size:13px;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
nav a.tag{font-weight:600;margin-top:10px;text-transform:uppercase;font-size:12px;color:#5a6578}
main{flex:1;padding:16px 32px;max-width:1100px}
code{font:13px ui-monospace,monospace;background:#f0f2f5;padding:0 3px;border-radius:3px}
.muted{color:#6b7588;font-weight:normal}
.method{display:inline-block;min-width:52px;font:600 11px ui-monospace,monospace;text-align:center;border-radius:3px;padding:1px 4px;color:#fff;background:#5a6578}
.method.get{background:#2f7d4f}.method.post{background:#2b62b8}.method.put{background:#8a5a00}.method.patch{background:#7a4bb3}.method.delete{background:#b23a3a}
details.op{border:1px solid #dde2ea;border-radius:6px;margin:8px 0;padding:6px 10px}
details.op summary{cursor:pointer}
.scope{float:right;font-size:12px;color:#6b7588}
table{border-collapse:collapse;width:100%;margin:6px 0}
th,td{border-bottom:1px solid #e6e9ef;text-align:left;padding:4px 6px;vertical-align:top;font-size:13px}
th{color:#5a6578;font-weight:600}
h4{margin:12px 0 4px}
.response{margin:4px 0}
`;

/** The page and the Content-Security-Policy that goes with it. */
export interface ReferencePage {
  html: string;
  contentSecurityPolicy: string;
}

/** The reference page of `document` (an OpenAPI 3.1 document). */
export function referencePage(document: object): ReferencePage {
  // `<` escaped so no string in the document can close the script element it sits in.
  const json = JSON.stringify(document).replace(/</g, "\\u003c");
  const hash = createHash("sha256").update(REFERENCE_SCRIPT, "utf8").digest("base64");
  const title = "alkhub API reference";
  const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<style>${STYLE}</style>
</head>
<body>
<nav id="nav"></nav>
<main id="main"><noscript>This reference needs JavaScript; the document itself is at /api/v1/openapi.json.</noscript></main>
<script type="application/json" id="openapi">${json}</script>
<script>${REFERENCE_SCRIPT}</script>
</body>
</html>
`;
  return {
    html,
    contentSecurityPolicy: `default-src 'none'; script-src 'sha256-${hash}'; style-src 'unsafe-inline'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
  };
}
