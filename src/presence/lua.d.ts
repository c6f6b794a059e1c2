/** Lua scripts are imported as text (`with { type: "text" }`) so that they are embedded in the binary. */
declare module "*.lua" {
  const text: string;
  export default text;
}
