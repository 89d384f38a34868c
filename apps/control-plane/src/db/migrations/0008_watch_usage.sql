-- A stats pass rewrites the usage of every running pod every 10 s. Announced as `pod:<id>`, each
-- made every listening cache fetch and serialize the whole pod again: at 1,000 pods most of an
-- idle control plane's CPU. A change of nothing but the usage is now `usage:<id>`, and caches
-- fetch that one column (watch/pod-cache.ts); any other change is still `pod:<id>`.
CREATE OR REPLACE FUNCTION agentpod_watch_pod_status() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE'
    AND (to_jsonb(OLD) - 'usage' - 'updated_at') = (to_jsonb(NEW) - 'usage' - 'updated_at') THEN
    PERFORM pg_notify('agentpod_watch', 'usage:' || NEW.pod_id);
  ELSE
    PERFORM pg_notify('agentpod_watch', 'pod:' || NEW.pod_id);
  END IF;
  RETURN NULL;
END $$;
