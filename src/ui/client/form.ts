/**
 * A form generated from an operation's input JSON Schema: one labelled control per top-level property (text,
 * number, checkbox, select for enums, JSON for anything nested), and `read()` that turns it back into the input
 * or says which field is wrong.
 */
import { field, h } from "./dom.ts";

type Schema = {
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  enum?: unknown[];
  description?: string;
  title?: string;
  default?: unknown;
  format?: string;
};

/** The generated form's parts. */
export interface SchemaForm {
  element: HTMLElement;
  /** The input object, or an error naming the field. */
  read(): { ok: true; value: unknown } | { ok: false; error: string };
}

interface Control {
  name: string;
  required: boolean;
  read(): { ok: true; value: unknown; empty: boolean } | { ok: false; error: string };
}

/** Builds the form for `schema` (root type object; anything else gets one JSON box). */
export function schemaForm(schema: Schema, idPrefix: string): SchemaForm {
  const properties = schema.properties ?? {};
  const required = new Set(schema.required ?? []);
  if (schemaType(schema) !== "object") {
    const control = jsonControl("input", true, schema, `${idPrefix}-input`);
    return {
      element: control.element,
      read: () => {
        const read = control.read();
        return read.ok ? { ok: true, value: read.value } : read;
      },
    };
  }
  const built = Object.entries(properties).map(([name, property]) =>
    controlFor(name, property, required.has(name), `${idPrefix}-${name}`),
  );
  const element = h(
    "div",
    { class: "schema-form" },
    built.length === 0
      ? h("p", { class: "hint" }, "This operation takes no input.")
      : built.map((b) => b.element),
  );
  return {
    element,
    read() {
      const value: Record<string, unknown> = {};
      for (const { control } of built) {
        const read = control.read();
        if (!read.ok) return read;
        if (read.empty) {
          if (control.required) return { ok: false, error: `${control.name}: required` };
          continue;
        }
        value[control.name] = read.value;
      }
      return { ok: true, value };
    },
  };
}

function schemaType(schema: Schema): string | undefined {
  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== "null") : schema.type;
  return type ?? (schema.properties ? "object" : undefined);
}

function labelText(name: string, schema: Schema, required: boolean): string {
  return `${schema.title ?? name}${required ? " (required)" : ""}`;
}

function controlFor(
  name: string,
  schema: Schema,
  required: boolean,
  id: string,
): { element: HTMLElement; control: Control } {
  const type = schemaType(schema);
  const hint = schema.description;
  if (schema.enum?.every((v) => typeof v === "string" || typeof v === "number")) {
    const select = h(
      "select",
      { id, name },
      required ? null : h("option", { value: "" }, "—"),
      schema.enum.map((v, index) => h("option", { value: String(index) }, String(v))),
    );
    return {
      element: field(labelText(name, schema, required), select, hint),
      control: {
        name,
        required,
        read: () =>
          select.value === ""
            ? { ok: true, value: undefined, empty: true }
            : { ok: true, value: schema.enum![Number(select.value)], empty: false },
      },
    };
  }
  if (type === "boolean") {
    const box = h("input", { id, name, type: "checkbox", checked: schema.default === true });
    return {
      element: h(
        "div",
        { class: "field field-check" },
        box,
        h("label", { for: id }, labelText(name, schema, false)),
      ),
      control: { name, required: false, read: () => ({ ok: true, value: box.checked, empty: false }) },
    };
  }
  if (type === "number" || type === "integer") {
    const input = h("input", {
      id,
      name,
      type: "number",
      step: type === "integer" ? "1" : "any",
      value: typeof schema.default === "number" ? schema.default : undefined,
    });
    return {
      element: field(labelText(name, schema, required), input, hint),
      control: {
        name,
        required,
        read: () => {
          if (input.value.trim() === "") return { ok: true, value: undefined, empty: true };
          const value = Number(input.value);
          if (!Number.isFinite(value)) return { ok: false, error: `${name}: not a number` };
          return { ok: true, value, empty: false };
        },
      },
    };
  }
  if (type === "string") {
    const input = h("input", {
      id,
      name,
      type: "text",
      value: typeof schema.default === "string" ? schema.default : undefined,
    });
    return {
      element: field(labelText(name, schema, required), input, hint),
      control: {
        name,
        required,
        read: () =>
          input.value === ""
            ? { ok: true, value: undefined, empty: true }
            : { ok: true, value: input.value, empty: false },
      },
    };
  }
  const json = jsonControl(name, required, schema, id);
  return { element: json.element, control: { name, required, read: json.read } };
}

function jsonControl(name: string, required: boolean, schema: Schema, id: string) {
  const area = h("textarea", { id, name, rows: 4, spellcheck: "false", class: "mono" });
  if (schema.default !== undefined) area.value = JSON.stringify(schema.default, null, 2);
  return {
    element: field(`${labelText(name, schema, required)} — JSON`, area, schema.description),
    read: (): { ok: true; value: unknown; empty: boolean } | { ok: false; error: string } => {
      if (area.value.trim() === "") return { ok: true, value: undefined, empty: true };
      try {
        return { ok: true, value: JSON.parse(area.value), empty: false };
      } catch (error) {
        return {
          ok: false,
          error: `${name}: not valid JSON (${error instanceof Error ? error.message : error})`,
        };
      }
    },
  };
}
