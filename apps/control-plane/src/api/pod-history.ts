// What happened to a pod and what it used: its events, filtered and paged, and its resource
// series at the resolution a chart asks for.
import type { Database } from '../db/client.js';
import { listEvents } from '../db/queries/events.js';
import { getPod } from '../db/queries/pods.js';
import { RAW, ROLLUP_SECONDS, usageSeries } from '../db/queries/usage.js';
import { ValidationError } from '../errors.js';
import type { ApiInstance } from './app.js';
import {
  EventListQuery,
  EventPage,
  PodIdParams,
  PodStatsQuery,
  PodStatsSeries,
} from './schemas.js';

/** A chart has no use for more points than this; a larger ask is a mistake, said so. */
const MAX_POINTS = 1_000;
const DEFAULT_RANGE_MS = 3_600_000;
const DEFAULT_POINTS = 60;

export interface PodHistoryDeps {
  db: Database;
  /** The collector's spacing now (it grows with the fleet): no step is finer than the samples. */
  statsIntervalMs: () => number;
  /** How long raw samples are kept; older ranges come from the 5-minute rollups. */
  rawRetentionMs: number;
  now?: () => number;
}

/** Which stored resolution serves a range, and the step it allows. */
export function seriesPlan(
  range: { since: number; until: number },
  asked: number | undefined,
  deps: { statsIntervalMs: number; rawRetentionMs: number; now: number },
): { stepSeconds: number; resolution: number } {
  const fromRaw = range.since >= deps.now - deps.rawRetentionMs;
  const finest = fromRaw ? Math.max(1, Math.round(deps.statsIntervalMs / 1000)) : ROLLUP_SECONDS;
  const seconds = (range.until - range.since) / 1000;
  const stepSeconds = Math.max(asked ?? Math.ceil(seconds / DEFAULT_POINTS), finest);
  if (seconds / stepSeconds > MAX_POINTS) {
    throw new ValidationError(
      `step ${stepSeconds} s gives more than ${MAX_POINTS} points over this range`,
      [{ path: 'step', message: `must be at least ${Math.ceil(seconds / MAX_POINTS)}` }],
    );
  }
  return { stepSeconds, resolution: fromRaw ? RAW : ROLLUP_SECONDS };
}

export function podHistoryRoutes(deps: PodHistoryDeps) {
  const { db } = deps;
  const now = deps.now ?? Date.now;
  return (app: ApiInstance) => {
    app.get(
      '/pods/:id/events',
      {
        schema: {
          tags: ['pods'],
          description:
            'Newest first. `reason` takes a comma-separated list; `since`/`until` are ISO 8601.',
          params: PodIdParams,
          querystring: EventListQuery,
          response: { 200: EventPage },
        },
      },
      async (req) => {
        await getPod(db, req.params.id);
        return listEvents(db, req.params.id, req.query);
      },
    );

    app.get(
      '/pods/:id/stats',
      {
        schema: {
          tags: ['pods'],
          description:
            'CPU, memory, pids, network and block I/O in buckets of `step` seconds (default: the last hour in about 60 points). Ranges older than the raw samples come from 5-minute rollups.',
          params: PodIdParams,
          querystring: PodStatsQuery,
          response: { 200: PodStatsSeries },
        },
      },
      async (req) => {
        await getPod(db, req.params.id);
        const at = now();
        const until = req.query.until ? Date.parse(req.query.until) : at;
        const since = req.query.since ? Date.parse(req.query.since) : until - DEFAULT_RANGE_MS;
        if (since >= until) {
          throw new ValidationError('since must be before until', [
            { path: 'since', message: 'must be before until (or now)' },
          ]);
        }
        const { stepSeconds, resolution } = seriesPlan({ since, until }, req.query.step, {
          statsIntervalMs: deps.statsIntervalMs(),
          rawRetentionMs: deps.rawRetentionMs,
          now: at,
        });
        const points = await usageSeries(db, req.params.id, {
          since: new Date(since),
          until: new Date(until),
          stepSeconds,
          resolution,
        });
        return {
          podId: req.params.id,
          since: new Date(since).toISOString(),
          until: new Date(until).toISOString(),
          stepSeconds,
          sourceResolutionSeconds: resolution,
          points,
        };
      },
    );
  };
}
