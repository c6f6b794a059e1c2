// PGlite's three runtime assets, gzip-compressed copies (scripts/gen-pglite-assets.ts), imported
// `with { type: "file" }`: a path, embedded by `bun build --compile`.
declare module "*.gz" {
  const path: string;
  export default path;
}
