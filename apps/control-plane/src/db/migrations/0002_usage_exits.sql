CREATE TABLE "pod_usage" (
	"pod_id" text NOT NULL,
	"at" timestamp (3) with time zone NOT NULL,
	"resolution" integer NOT NULL,
	"cpu_percent" double precision,
	"cpu_percent_max" double precision,
	"memory_bytes" double precision NOT NULL,
	"memory_bytes_max" double precision NOT NULL,
	"memory_limit_bytes" double precision NOT NULL,
	"pids" double precision NOT NULL,
	"network_rx_bps" double precision NOT NULL,
	"network_tx_bps" double precision NOT NULL,
	"block_read_bps" double precision NOT NULL,
	"block_write_bps" double precision NOT NULL,
	CONSTRAINT "pod_usage_pod_id_resolution_at_pk" PRIMARY KEY("pod_id","resolution","at")
);
--> statement-breakpoint
ALTER TABLE "pod_status" ADD COLUMN "usage" jsonb;--> statement-breakpoint
ALTER TABLE "pod_status" ADD COLUMN "last_exit" jsonb;--> statement-breakpoint
ALTER TABLE "pod_usage" ADD CONSTRAINT "pod_usage_pod_id_pods_id_fk" FOREIGN KEY ("pod_id") REFERENCES "public"."pods"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "pod_usage_time_idx" ON "pod_usage" USING btree ("resolution","at");--> statement-breakpoint
CREATE INDEX "pod_events_time_idx" ON "pod_events" USING btree ("created_at");