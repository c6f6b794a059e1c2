import type { Static, TSchema } from "@sinclair/typebox";
import { hasScope, type Identity } from "../auth/index.ts";
import type { Catalog } from "../catalog/index.ts";
import {
  compileChecker,
  HubCallInput,
  HubError,
  HubListInput,
  HubSchemaInput,
  HubSearchInput,
  isHubOperation,
  type SchemaChecker,
} from "../protocol/index.ts";
import type { Router } from "./router.ts";
import type { CallerContext, CallHandle, CallRequest, CallSink, Calls } from "./types.ts";

const DONE: CallHandle = { abort() {} };

/**
 * The calls facade every surface uses: answers the hub's own operations (`hub.list`, `hub.search`, `hub.schema`,
 * `hub.spokes`, `hub.call`) and hands every other call to the router. `hub.register` belongs to a /ws connection
 * and is answered there; elsewhere it is not found. While the hub drains, the router refuses everything.
 */
export class HubOperations implements Calls {
  readonly #catalog: Catalog;
  readonly #router: Router;
  readonly #checkers: {
    list: SchemaChecker<typeof HubListInput>;
    search: SchemaChecker<typeof HubSearchInput>;
    schema: SchemaChecker<typeof HubSchemaInput>;
    call: SchemaChecker<typeof HubCallInput>;
  };

  constructor(opts: { catalog: Catalog; router: Router }) {
    this.#catalog = opts.catalog;
    this.#router = opts.router;
    this.#checkers = {
      list: compileChecker(HubListInput),
      search: compileChecker(HubSearchInput),
      schema: compileChecker(HubSchemaInput),
      call: compileChecker(HubCallInput),
    };
  }

  call(caller: CallerContext, request: CallRequest, sink: CallSink): CallHandle {
    if (!isHubOperation(request.operation) || this.#router.draining) {
      return this.#router.call(caller, request, sink);
    }
    if (request.operation === "hub.call") return this.#callThrough(caller, request, sink);
    try {
      sink.response(this.#read(caller.identity, request.operation, request.input ?? {}), true);
    } catch (error) {
      sink.error(
        error instanceof HubError ? error : new HubError("UNKNOWN_ERROR", "the hub operation failed"),
      );
    }
    return DONE;
  }

  #read(identity: Identity, operation: string, input: unknown): unknown {
    if (operation === "hub.register") {
      throw new HubError("OPERATION_NOT_FOUND", "hub.register is only available to /ws connections");
    }
    if (!hasScope(identity, "read") && !hasScope(identity, "call")) {
      throw new HubError("ACCESS_DENIED", `${operation} needs a key with scope read or call`);
    }
    switch (operation) {
      case "hub.list":
        return this.#catalog.list(identity, check(this.#checkers.list, input));
      case "hub.search":
        return this.#catalog.search(identity, check(this.#checkers.search, input));
      case "hub.schema": {
        const { operation: name } = check(this.#checkers.schema, input);
        const schema = this.#catalog.schema(identity, name);
        if (!schema) throw new HubError("OPERATION_NOT_FOUND", `no operation named "${name}"`);
        return schema;
      }
      case "hub.spokes":
        return { spokes: this.#catalog.spokes(identity) };
      default:
        throw new HubError("OPERATION_NOT_FOUND", `no hub operation named "${operation}"`);
    }
  }

  /** `hub.call`: the same call, named in the input; its timeout becomes the deadline. */
  #callThrough(caller: CallerContext, request: CallRequest, sink: CallSink): CallHandle {
    let input: HubCallInput;
    try {
      input = check(this.#checkers.call, request.input);
    } catch (error) {
      sink.error(error as HubError);
      return DONE;
    }
    if (isHubOperation(input.operation)) {
      sink.error(
        new HubError("VALIDATION_ERROR", "hub.call calls spoke operations; call hub operations directly"),
      );
      return DONE;
    }
    const timeoutDeadline = input.timeoutMs === undefined ? undefined : Date.now() + input.timeoutMs;
    const deadline =
      timeoutDeadline === undefined
        ? request.deadline
        : Math.min(timeoutDeadline, request.deadline ?? Infinity);
    return this.#router.call(
      caller,
      { ...request, operation: input.operation, input: input.input, deadline },
      sink,
    );
  }
}

/** The input if it matches, else a `VALIDATION_ERROR` naming the first problem. */
function check<S extends TSchema>(checker: SchemaChecker<S>, input: unknown): Static<S> {
  const problem = checker.explain(input, "input");
  if (problem !== undefined) throw new HubError("VALIDATION_ERROR", problem);
  return input as Static<S>;
}
