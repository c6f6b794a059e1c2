import { describe, expect, test } from "bun:test";
import { JsonRowWriter, jsonArrayOf } from "./json-rows.ts";
import { toCallRow } from "./rows.ts";
import { sampleCall } from "./sample-calls.ts";

const row = (i: number) => toCallRow(sampleCall(i), "inst-1");

describe("JSON rows", () => {
  test("rows survive encoding and parsing, NULLs and characters JSON must escape included", () => {
    const lines = new JsonRowWriter();
    const rows = [0, 1, 2].map(row);
    rows[1]!.request_id = 'tab\there\nnew\\line "quoted" \u0001';
    rows[2]!.finished_at = rows[2]!.duration_ms = null;
    const chunks = [lines.line(rows[0]!), lines.line(rows[1]!) + lines.line(rows[2]!)];
    // One row's text is one JSON array behind a comma: a raw newline or tab never occurs inside it.
    for (const text of chunks) expect(text).not.toMatch(/[\n\t]/);
    expect(lines.parse(chunks)).toEqual(rows);
  });

  test("jsonArrayOf joins the rows of every chunk into one JSON array of column arrays", () => {
    const lines = new JsonRowWriter();
    const rows = [0, 1, 2].map(row);
    const parsed = JSON.parse(
      jsonArrayOf([lines.line(rows[0]!), lines.line(rows[1]!) + lines.line(rows[2]!)]),
    );
    expect(parsed).toHaveLength(3);
    expect(parsed[1]).toEqual([
      rows[1]!.id,
      "r1",
      "dev1.echo",
      "dev1",
      null,
      "ok",
      null,
      1_700_000_000_001,
      1_700_000_000_011,
      10,
      1,
      2,
      "inst-1",
    ]);
    expect(JSON.parse(jsonArrayOf([""]))).toEqual([]);
  });
});
