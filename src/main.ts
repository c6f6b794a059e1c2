#!/usr/bin/env bun
/** The `alkhub` executable: parses argv and runs one command; `serve` is the default. */
import { runCli } from "./cli/index.ts";

process.exit(await runCli(process.argv.slice(2)));
