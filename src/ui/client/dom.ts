/** A tiny DOM builder and formatters: the whole "framework" of the dashboard. */

/** What `h` accepts as children; falsy values are skipped, arrays flattened. */
export type Child = Node | string | number | null | undefined | false | Child[];
/** Attributes: strings and booleans become attributes, functions under `on…` become listeners. */
export type Attrs = Record<string, string | number | boolean | null | undefined | ((event: Event) => void)>;

/** Creates an element with attributes and children. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (typeof value === "function") element.addEventListener(name.slice(2).toLowerCase(), value);
    else element.setAttribute(name, value === true ? "" : String(value));
  }
  append(element, children);
  return element;
}

/** Appends children (flattening arrays, skipping empty values). */
export function append(parent: Node, children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(parent, child);
    else parent.appendChild(typeof child === "object" ? child : document.createTextNode(String(child)));
  }
}

/** Replaces every child of `parent`. */
export function replace(parent: Element, ...children: Child[]): void {
  parent.replaceChildren();
  append(parent, children);
}

/** "3 s ago", "5 min ago"… from an ISO time or a number of milliseconds. */
export function ago(value: string | number | null | undefined, now = Date.now()): string {
  if (value === null || value === undefined) return "—";
  const ms = typeof value === "number" ? value : now - Date.parse(value);
  if (!Number.isFinite(ms)) return "—";
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds < 60) return `${seconds} s ago`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min ago`;
  if (seconds < 86400) return `${Math.round(seconds / 3600)} h ago`;
  return `${Math.round(seconds / 86400)} d ago`;
}

/** A short local date and time, or "—". */
export function when(value: string | null | undefined): string {
  if (!value) return "—";
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? value : date.toLocaleString();
}

/** A table with a caption, header cells and rows (each row an array of cells). */
export function table(
  caption: string,
  headers: string[],
  rows: Child[][],
  empty = "Nothing yet.",
): HTMLElement {
  if (rows.length === 0) return h("p", { class: "empty" }, empty);
  return h(
    "div",
    { class: "table-wrap", tabindex: 0, role: "region", "aria-label": caption },
    h(
      "table",
      {},
      h("caption", { class: "visually-hidden" }, caption),
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          headers.map((text) => h("th", { scope: "col" }, text)),
        ),
      ),
      h(
        "tbody",
        {},
        rows.map((cells) =>
          h(
            "tr",
            {},
            cells.map((cell) => h("td", {}, cell)),
          ),
        ),
      ),
    ),
  );
}

/** A status pill: `tone` picks the colour, the text says it (colour is never the only signal). */
export function pill(text: string, tone: "ok" | "warn" | "bad" | "muted"): HTMLElement {
  return h("span", { class: `pill pill-${tone}` }, text);
}

/** A page heading with optional actions beside it. */
export function heading(title: string, ...actions: Child[]): HTMLElement {
  return h(
    "div",
    { class: "page-head" },
    h("h1", { tabindex: -1 }, title),
    h("div", { class: "actions" }, actions),
  );
}

/** A labelled form field; `control` gets the id the label points at. */
export function field(label: string, control: HTMLElement, hint?: string): HTMLElement {
  const id = control.id || `f-${Math.random().toString(36).slice(2, 9)}`;
  control.id = id;
  const hintId = hint ? `${id}-hint` : undefined;
  if (hintId) control.setAttribute("aria-describedby", hintId);
  return h(
    "div",
    { class: "field" },
    h("label", { for: id }, label),
    control,
    hint ? h("small", { id: hintId, class: "hint" }, hint) : null,
  );
}
