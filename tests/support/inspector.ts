/** Runs the MCP Inspector CLI (`@modelcontextprotocol/inspector-cli`), a real third-party client, from a test. */
import { join } from "node:path";

const ROOT = join(import.meta.dir, "..", "..");
const INSPECTOR_BIN = join(ROOT, "node_modules", ".bin", "mcp-inspector-cli");
/**
 * The CLI finds its own package.json by testing `../package.json` against the working directory but importing
 * it relative to its module: both agree only when it runs from its `build/` folder.
 */
const INSPECTOR_CWD = join(ROOT, "node_modules", "@modelcontextprotocol", "inspector-cli", "build");
/** Longest one Inspector run may take. */
export const INSPECTOR_TIMEOUT_MS = 15_000;

/**
 * Runs the inspector in CLI mode against `url` with `key` as bearer (asynchronously: the hub lives in the test's
 * process) and parses its JSON output. Output shown on failure has the key masked.
 */
export async function runInspector(url: string, key: string, args: string[]): Promise<unknown> {
  const child = Bun.spawn(
    [
      process.execPath,
      INSPECTOR_BIN,
      "--cli",
      url,
      "--transport",
      "http",
      "--header",
      `Authorization: Bearer ${key}`,
      ...args,
    ],
    { cwd: INSPECTOR_CWD, stdout: "pipe", stderr: "pipe", env: { ...process.env, NO_COLOR: "1" } },
  );
  const timer = setTimeout(() => child.kill(), INSPECTOR_TIMEOUT_MS);
  const [stdout, stderr, code] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.exited,
  ]);
  clearTimeout(timer);
  const mask = (text: string) => text.replaceAll(key, "<key>");
  if (code !== 0)
    throw new Error(`inspector exited ${code}: ${mask(stderr).slice(-2000)} ${mask(stdout).slice(-500)}`);
  try {
    return JSON.parse(stdout);
  } catch {
    throw new Error(`inspector printed no JSON: ${mask(stdout).slice(0, 1000)}`);
  }
}
