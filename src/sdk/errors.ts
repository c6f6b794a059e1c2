/** Local errors of the spoke SDK. They describe this process's situation and never cross the wire. */

/** `connectSpoke` was given options it cannot use; the message names the option. */
export class SpokeOptionsError extends Error {
  override readonly name = "SpokeOptionsError";
}

/** The connection to the hub failed or was ended by the hub; `closeCode` is the WebSocket close code if any. */
export class SpokeConnectionError extends Error {
  override readonly name = "SpokeConnectionError";
  readonly closeCode: number | undefined;

  constructor(message: string, options?: { closeCode?: number; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.closeCode = options?.closeCode;
  }
}

/** The hub sent something this SDK cannot read, or reported that it could not read ours. */
export class SpokeProtocolError extends Error {
  override readonly name = "SpokeProtocolError";
}
