CREATE TABLE "mcp_tasks" (
	"id" text PRIMARY KEY NOT NULL,
	"key_id" text NOT NULL,
	"operation" text NOT NULL,
	"status" text NOT NULL,
	"result" jsonb,
	"error" jsonb,
	"instance_id" text,
	"call_request_id" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	CONSTRAINT "mcp_tasks_status_check" CHECK ("mcp_tasks"."status" in ('working', 'completed', 'failed', 'cancelled'))
);
--> statement-breakpoint
CREATE INDEX "mcp_tasks_key_id_idx" ON "mcp_tasks" USING btree ("key_id");--> statement-breakpoint
CREATE INDEX "mcp_tasks_expires_at_idx" ON "mcp_tasks" USING btree ("expires_at");