-- A pod row deleted (with its tenant) is announced too, so the API's pod cache in every
-- control plane drops it (watch/pod-cache.ts): `pod:<id>` is fetched and found gone.
CREATE FUNCTION agentpod_watch_pod_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('agentpod_watch', 'pod:' || OLD.id);
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER pods_watch_delete AFTER DELETE ON pods
  FOR EACH ROW EXECUTE FUNCTION agentpod_watch_pod_deleted();
