ALTER TABLE "client_secrets" ADD COLUMN "last_used_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "spokes" ADD COLUMN "disabled_at" timestamp with time zone;