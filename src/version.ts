import pkg from "../package.json" with { type: "json" };

// Replaced by `bun build --define` in release builds; absent when running from source.
declare const ALKHUB_BUILD_COMMIT: string | undefined;

/** The version and commit of this build ("dev" commit when running from source). */
export const BUILD_INFO: { version: string; commit: string } = {
  version: pkg.version,
  commit: typeof ALKHUB_BUILD_COMMIT === "string" ? ALKHUB_BUILD_COMMIT : "dev",
};
