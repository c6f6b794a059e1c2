/** drizzle-kit configuration: `bunx drizzle-kit generate --name <change>` writes the next migration to drizzle/. */
import { defineConfig } from "drizzle-kit";

export default defineConfig({
  dialect: "postgresql",
  schema: "./src/store/schema.ts",
  out: "./drizzle",
});
