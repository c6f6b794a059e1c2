#!/usr/bin/env bun
/** The `alkhub` executable: parses argv and runs one command; `serve` is the default. */
// First, before any other module is evaluated: it may start the process over (see allocator.ts).
import "./allocator-setting.ts";
import { runCli } from "./cli/index.ts";

process.exit(await runCli(process.argv.slice(2)));
