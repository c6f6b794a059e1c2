// PGlite's three runtime assets, zstd-compressed copies (scripts/gen-pglite-assets.ts), imported
// `with { type: "file" }`: a path, embedded by `bun build --compile`.
declare module "*.zst" {
  const path: string;
  export default path;
}
