CREATE TABLE "api_tokens" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"token_hash" text NOT NULL,
	"prefix" text NOT NULL,
	"role" text DEFAULT 'admin' NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"last_used_at" timestamp (3) with time zone,
	"revoked_at" timestamp (3) with time zone,
	CONSTRAINT "api_tokens_token_hash_unique" UNIQUE("token_hash")
);
--> statement-breakpoint
CREATE TABLE "pod_events" (
	"id" text PRIMARY KEY NOT NULL,
	"pod_id" text NOT NULL,
	"type" text NOT NULL,
	"reason" text NOT NULL,
	"message" text NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "pod_secrets" (
	"pod_id" text NOT NULL,
	"name" text NOT NULL,
	"ciphertext" text NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "pod_secrets_pod_id_name_pk" PRIMARY KEY("pod_id","name")
);
--> statement-breakpoint
CREATE TABLE "pod_status" (
	"pod_id" text PRIMARY KEY NOT NULL,
	"phase" text DEFAULT 'pending' NOT NULL,
	"container_id" text,
	"health" text DEFAULT 'unknown' NOT NULL,
	"restarts" integer DEFAULT 0 NOT NULL,
	"last_error" text,
	"observed_generation" integer DEFAULT 0 NOT NULL,
	"spec_hash" text,
	"subnet" text,
	"ip_address" text,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "pod_status_subnet_unique" UNIQUE("subnet")
);
--> statement-breakpoint
CREATE TABLE "pods" (
	"id" text PRIMARY KEY NOT NULL,
	"tenant_id" text NOT NULL,
	"name" text NOT NULL,
	"subdomain" text NOT NULL,
	"agent_type" text NOT NULL,
	"image" text,
	"config" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"memory_mb" integer NOT NULL,
	"cpus" double precision NOT NULL,
	"pids_limit" integer NOT NULL,
	"desired_state" text NOT NULL,
	"generation" integer DEFAULT 1 NOT NULL,
	"restart_requested_at" timestamp (3) with time zone,
	"deleted_at" timestamp (3) with time zone,
	"purge" boolean DEFAULT false NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "tenants" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"display_name" text NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "tenants_name_unique" UNIQUE("name")
);
--> statement-breakpoint
ALTER TABLE "pod_events" ADD CONSTRAINT "pod_events_pod_id_pods_id_fk" FOREIGN KEY ("pod_id") REFERENCES "public"."pods"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "pod_secrets" ADD CONSTRAINT "pod_secrets_pod_id_pods_id_fk" FOREIGN KEY ("pod_id") REFERENCES "public"."pods"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "pod_status" ADD CONSTRAINT "pod_status_pod_id_pods_id_fk" FOREIGN KEY ("pod_id") REFERENCES "public"."pods"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "pods" ADD CONSTRAINT "pods_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "pod_events_pod_time_idx" ON "pod_events" USING btree ("pod_id","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "pods_subdomain_live_idx" ON "pods" USING btree ("subdomain") WHERE "pods"."deleted_at" IS NULL;--> statement-breakpoint
CREATE INDEX "pods_tenant_idx" ON "pods" USING btree ("tenant_id");