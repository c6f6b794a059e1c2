/**
 * Imported first by `main.ts` for this side effect alone: a `serve` or `bridge` process without the allocator
 * setting executes itself again with it, before the rest of the hub's modules are evaluated (allocator.ts).
 */
import { tuneAllocator } from "./allocator.ts";

tuneAllocator();
