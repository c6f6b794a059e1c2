/**
 * The hub's upstreams (`upstreams` in the config, plus any added at run time): one `Upstream` per name. The admin
 * API adds, removes and lists them through this class; additions are not written back to the config file.
 */
import { Value } from "@sinclair/typebox/value";
import { type UpstreamConfig, UpstreamSchema } from "../config/index.ts";
import { validateSpokeName } from "../protocol/index.ts";
import { Upstream, type UpstreamDeps, type UpstreamStatus } from "./upstream.ts";

/** A bad upstream definition or name; `message` names the field. */
export class UpstreamInputError extends Error {
  override readonly name = "UpstreamInputError";
}

/** Every upstream of this instance. */
export class Upstreams {
  readonly #deps: UpstreamDeps;
  readonly #byName = new Map<string, Upstream>();
  #started = false;

  constructor(deps: UpstreamDeps, configs: readonly UpstreamConfig[] = []) {
    this.#deps = deps;
    for (const config of configs) this.#put(config);
  }

  /** Starts every upstream (each holds or stands by on its own). */
  start(): void {
    this.#started = true;
    for (const upstream of this.#byName.values()) upstream.start();
  }

  /** Stops every upstream: its spoke leaves (releasing the name for other instances) and its connection closes. */
  async stop(): Promise<void> {
    this.#started = false;
    await Promise.all([...this.#byName.values()].map((upstream) => upstream.stop()));
  }

  /** Every upstream's status, by name. */
  list(): UpstreamStatus[] {
    return [...this.#byName.values()]
      .map((upstream) => upstream.status())
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  /**
   * Adds an upstream (defaults applied, then checked against the config schema) and starts it if the hub runs.
   * Throws `UpstreamInputError` naming the field, or when the name is taken.
   */
  add(input: unknown): UpstreamStatus {
    const config = Value.Default(UpstreamSchema, structuredClone(input)) as unknown;
    const first = Value.Errors(UpstreamSchema, config).First();
    if (first) throw new UpstreamInputError(`upstream${first.path}: ${first.message}`);
    const upstream = this.#put(config as UpstreamConfig);
    if (this.#started) upstream.start();
    return upstream.status();
  }

  /** Stops and forgets upstream `name`; false when there is none. */
  async remove(name: string): Promise<boolean> {
    const upstream = this.#byName.get(name);
    if (!upstream) return false;
    this.#byName.delete(name);
    await upstream.stop();
    return true;
  }

  #put(config: UpstreamConfig): Upstream {
    const check = validateSpokeName(config.name);
    if (!check.ok) throw new UpstreamInputError(`upstream/name: ${check.error}`);
    if (this.#byName.has(config.name)) {
      throw new UpstreamInputError(`upstream/name: an upstream named "${config.name}" exists`);
    }
    const upstream = new Upstream(config, this.#deps);
    this.#byName.set(config.name, upstream);
    return upstream;
  }
}
