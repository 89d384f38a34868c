CREATE TABLE "installation" (
	"singleton" boolean PRIMARY KEY DEFAULT true NOT NULL,
	"id" text NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "installation_one_row" CHECK ("installation"."singleton")
);
--> statement-breakpoint
CREATE TABLE "registry_credentials" (
	"registry" text PRIMARY KEY NOT NULL,
	"username" text NOT NULL,
	"ciphertext" text NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "pod_status" ADD COLUMN "image_ref" text;--> statement-breakpoint
ALTER TABLE "pod_status" ADD COLUMN "image_pinned" text;--> statement-breakpoint
ALTER TABLE "pod_status" ADD COLUMN "image_pull" jsonb;