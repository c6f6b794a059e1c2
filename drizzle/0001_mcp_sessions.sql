CREATE TABLE "mcp_sessions" (
	"id" text PRIMARY KEY NOT NULL,
	"last_seen_at" timestamp with time zone DEFAULT now() NOT NULL,
	"ended_at" timestamp with time zone
);
--> statement-breakpoint
CREATE INDEX "mcp_sessions_last_seen_at_idx" ON "mcp_sessions" USING btree ("last_seen_at");