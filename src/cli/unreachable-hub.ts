import { lstatSync } from "node:fs";
import { UnavailableError } from "../errors.ts";
import type { DataDirInUseError } from "../store/index.ts";

/**
 * The message for "a hub holds the embedded data dir, but this command could not reach it": why the admin
 * socket did not answer, and the two ways that work while the hub runs. Never "stop the hub".
 */
export function explainUnreachableHub(
  error: DataDirInUseError,
  socket: string | undefined,
): UnavailableError {
  const holder = error.holder
    ? `pid ${error.holder.pid} (${error.holder.command}, since ${error.holder.startedAt})`
    : "another process";
  return new UnavailableError(
    `the embedded data dir ${error.dataDir} is held by ${holder}, and ${socketProblem(socket)}. ` +
      "Run this command as the hub's user (on the hub's machine, with its config), or pass " +
      "--url <hub address> --key-file <file holding an admin key>.",
    { cause: error },
  );
}

function socketProblem(socket: string | undefined): string {
  if (socket === undefined) return "its admin socket is off (admin.socket: false)";
  try {
    const info = lstatSync(socket);
    const uid = process.getuid?.();
    if (uid !== undefined && info.uid !== uid) {
      return `its admin socket ${socket} belongs to another user (uid ${info.uid}): only the hub's user may open it`;
    }
    return `nothing answers on its admin socket ${socket} (a hub that is still starting opens it after a moment)`;
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    if (code === "EACCES") return `its admin socket ${socket} is in a directory this user may not open`;
    return `there is no admin socket at ${socket} (see the hub's log: it says why it could not make one)`;
  }
}
