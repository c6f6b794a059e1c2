#!/usr/bin/env bun
/** The `alkhub` executable: parses argv and runs one command; `serve` is the default. */
// First, before the CLI is loaded: it may start the process over (see allocator.ts).
import "./allocator-setting.ts";

// Loaded only now, as a chunk of its own (the build splits code), so a process that starts over has not paid
// for loading the whole hub first.
const { runCli } = await import("./cli/index.ts");
process.exit(await runCli(process.argv.slice(2)));
