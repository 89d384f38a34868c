-- Live updates: every change of a pod (desired state, status, usage) and every new event is
-- announced on the channel `agentpod_watch` after it commits, to every control plane that
-- listens (PostgreSQL) or to the process itself (PGlite). Payloads: `pod:<pod id>` and
-- `event:<pod id>:<event id>`. The database is the one source of these notices, so no writer
-- can forget to send one.
CREATE FUNCTION agentpod_watch_pod() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('agentpod_watch', 'pod:' || NEW.id);
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE FUNCTION agentpod_watch_pod_status() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('agentpod_watch', 'pod:' || NEW.pod_id);
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE FUNCTION agentpod_watch_event() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('agentpod_watch', 'event:' || NEW.pod_id || ':' || NEW.id);
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER pods_watch AFTER INSERT OR UPDATE ON pods
  FOR EACH ROW EXECUTE FUNCTION agentpod_watch_pod();
--> statement-breakpoint
CREATE TRIGGER pod_status_watch AFTER INSERT OR UPDATE ON pod_status
  FOR EACH ROW EXECUTE FUNCTION agentpod_watch_pod_status();
--> statement-breakpoint
CREATE TRIGGER pod_events_watch AFTER INSERT ON pod_events
  FOR EACH ROW EXECUTE FUNCTION agentpod_watch_event();
