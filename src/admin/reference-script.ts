/**
 * The script of the reference page (`reference-page.ts`), as text: it reads the OpenAPI document from the page's
 * JSON block and renders it — routes grouped by tag, parameters, bodies, answers and schemas. Plain DOM, no
 * library, so the page works offline and from the compiled binary.
 */
export const REFERENCE_SCRIPT = String.raw`
"use strict";
const doc = JSON.parse(document.getElementById("openapi").textContent);
const schemas = (doc.components && doc.components.schemas) || {};
const responses = (doc.components && doc.components.responses) || {};
const prefix = (doc.servers && doc.servers[0] && doc.servers[0].url) || "";
const esc = (text) => String(text).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
// Descriptions mark code with backticks; shown as code, everything else escaped.
const prose = (text) => esc(text).replace(/\x60([^\x60]+)\x60/g, "<code>$1</code>");
const refName = (ref) => ref.replace("#/components/schemas/", "");

function typeLabel(s) {
  if (!s || typeof s !== "object") return "any";
  if (s.$ref) return '<a href="#schema-' + esc(refName(s.$ref)) + '">' + esc(refName(s.$ref)) + "</a>";
  if (s.const !== undefined) return "<code>" + esc(JSON.stringify(s.const)) + "</code>";
  if (s.anyOf) return s.anyOf.map(typeLabel).join(" | ");
  if (s.type === "array") return "array of " + typeLabel(s.items);
  let label = esc(s.type || "any");
  if (s.format) label += " (" + esc(s.format) + ")";
  return label;
}

function constraints(s) {
  const out = [];
  for (const key of ["minimum", "maximum", "minLength", "maxLength", "minItems", "maxItems", "pattern"]) {
    if (s && s[key] !== undefined) out.push(key + " " + esc(s[key]));
  }
  return out.length ? ' <span class="muted">' + out.join(", ") + "</span>" : "";
}

function schemaTable(s, depth) {
  if (!s || typeof s !== "object") return "";
  if (s.$ref && depth === 0) return schemaTable(schemas[refName(s.$ref)], depth) || "<p>" + typeLabel(s) + "</p>";
  if (s.type === "array" && s.items && !s.items.$ref && s.items.type === "object") return "<p>array of:</p>" + schemaTable(s.items, depth + 1);
  if (s.type !== "object" || !s.properties) return "<p>" + typeLabel(s) + constraints(s) + "</p>";
  const required = new Set(s.required || []);
  let rows = "";
  for (const [name, prop] of Object.entries(s.properties)) {
    let nested = "";
    if (depth < 4 && prop.type === "object" && prop.properties) nested = schemaTable(prop, depth + 1);
    if (depth < 4 && prop.type === "array" && prop.items && prop.items.type === "object" && prop.items.properties) nested = schemaTable(prop.items, depth + 1);
    rows += "<tr><td><code>" + esc(name) + "</code>" + (required.has(name) ? "" : ' <span class="muted">optional</span>') +
      "</td><td>" + typeLabel(prop) + constraints(prop) + "</td><td>" + prose(prop.description || "") + nested + "</td></tr>";
  }
  return "<table><thead><tr><th>field</th><th>type</th><th>about</th></tr></thead><tbody>" + rows + "</tbody></table>";
}

function parametersTable(parameters) {
  let rows = "";
  for (const p of parameters) {
    rows += "<tr><td><code>" + esc(p.name) + "</code> <span class=\"muted\">" + esc(p.in) + (p.required ? ", required" : "") +
      "</span></td><td>" + typeLabel(p.schema) + constraints(p.schema) + "</td><td>" + prose(p.description || "") + "</td></tr>";
  }
  return "<table><thead><tr><th>parameter</th><th>type</th><th>about</th></tr></thead><tbody>" + rows + "</tbody></table>";
}

function responseHtml(status, r) {
  if (r.$ref) r = responses[r.$ref.replace("#/components/responses/", "")] || {};
  const media = r.content ? Object.entries(r.content)[0] : undefined;
  let body = "";
  if (media && Number(status) < 400) {
    body = '<p class="muted">' + esc(media[0]) + "</p>" + schemaTable(media[1]["x-alkhub-event-data"] || media[1].schema, 0);
  }
  return '<div class="response"><b>' + esc(status) + "</b> " + prose(r.description || "") + body + "</div>";
}

function operationHtml(path, method, op) {
  const id = "op-" + op.operationId;
  let html = '<details class="op" id="' + esc(id) + '"><summary><span class="method ' + esc(method) + '">' + esc(method.toUpperCase()) +
    "</span> <code>" + esc(prefix + path) + "</code> " + esc(op.summary || "") +
    ' <span class="scope">' + esc(op["x-alkhub-scope"] || "") + "</span></summary>";
  if (op.description) html += "<p>" + prose(op.description) + "</p>";
  if (op.parameters && op.parameters.length) html += "<h4>Parameters</h4>" + parametersTable(op.parameters);
  if (op.requestBody) {
    const media = Object.entries(op.requestBody.content)[0];
    html += "<h4>Body <span class=\"muted\">" + esc(media[0]) + (op.requestBody.required ? ", required" : "") + "</span></h4>" + schemaTable(media[1].schema, 0);
  }
  html += "<h4>Answers</h4>";
  for (const [status, r] of Object.entries(op.responses || {})) html += responseHtml(status, r);
  return html + "</details>";
}

function render() {
  const byTag = new Map();
  for (const t of doc.tags || []) byTag.set(t.name, { about: t.description, ops: [] });
  for (const [path, item] of Object.entries(doc.paths || {})) {
    for (const [method, op] of Object.entries(item)) {
      const tag = (op.tags && op.tags[0]) || "other";
      if (!byTag.has(tag)) byTag.set(tag, { about: "", ops: [] });
      byTag.get(tag).ops.push([path, method, op]);
    }
  }
  let nav = "";
  let main = "<h1>" + esc(doc.info.title) + ' <span class="muted">' + esc(doc.info.version) + "</span></h1>";
  if (doc.info.description) main += "<p>" + prose(doc.info.description) + "</p>";
  main += '<p class="muted">Machine-readable: <a href="' + esc(prefix) + '/openapi.json">' + esc(prefix) + "/openapi.json</a> (OpenAPI " + esc(doc.openapi) + ").</p>";
  for (const [tag, group] of byTag) {
    nav += '<a class="tag" href="#tag-' + esc(tag) + '">' + esc(tag) + "</a>";
    for (const [path, method, op] of group.ops) {
      nav += '<a href="#op-' + esc(op.operationId) + '"><span class="method ' + esc(method) + '">' + esc(method.toUpperCase()) + "</span> " + esc(path) + "</a>";
    }
    main += '<section id="tag-' + esc(tag) + '"><h2>' + esc(tag) + "</h2>" + (group.about ? "<p>" + prose(group.about) + "</p>" : "");
    for (const [path, method, op] of group.ops) main += operationHtml(path, method, op);
    main += "</section>";
  }
  nav += '<a class="tag" href="#schemas">schemas</a>';
  main += '<section id="schemas"><h2>Schemas</h2>';
  for (const [name, s] of Object.entries(schemas)) {
    main += '<div class="schema" id="schema-' + esc(name) + '"><h3>' + esc(name) + "</h3>" + schemaTable(s, 0) + "</div>";
  }
  main += "</section>";
  document.getElementById("nav").innerHTML = nav;
  document.getElementById("main").innerHTML = main;
  if (location.hash) {
    const target = document.getElementById(location.hash.slice(1));
    if (target && target.tagName === "DETAILS") target.open = true;
    if (target) target.scrollIntoView();
  }
}
render();
window.addEventListener("hashchange", () => {
  const target = document.getElementById(location.hash.slice(1));
  if (target && target.tagName === "DETAILS") target.open = true;
});
`;
