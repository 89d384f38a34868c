'use client';

import type { AgentDevice, DeviceList } from '@agentpod/shared';
import { useCallback, useEffect, useRef, useState } from 'react';
import { useLiveStore, usePodEvents } from '@/components/live/live-provider';
import { Button } from '@/components/ui/button';
import {
  Card,
  CardAction,
  CardContent,
  CardDescription,
  CardHeader,
  CardTitle,
} from '@/components/ui/card';
import { callAction } from '@/lib/call-action';
import { formatTime } from '@/lib/format';
import { readRoute } from '@/lib/read-route';
import { decideDevice } from './actions';
import { isPairingLine } from './pairing-line';

/** What can be decided on a waiting device: the server action's own parameter. */
type Verb = Parameters<typeof decideDevice>[2];

// The control plane has no pairing event: the agent's own log says when a browser asks to pair,
// so the list is read again when such a line arrives on the live feed (and after a decision).
const DEVICE_REASONS = new Set(['DeviceApproved', 'DeviceRejected', 'Started']);
/** After a failed read, the next one. */
const RETRY_MS = 5_000;

/** Browsers waiting to be paired with the agent, approved or rejected here; and paired ones. */
export function PodDevices({ podId }: { podId: string }) {
  const store = useLiveStore();
  const [devices, setDevices] = useState<DeviceList | null>(null);
  const [error, setError] = useState<string | null>(null);
  /** The decision on its way: the agent's CLI answers it in seconds (tens on a busy host). */
  const [busy, setBusy] = useState<{ requestId: string; verb: Verb } | null>(null);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);

  // One read at a time (a busy agent takes seconds to answer); asked again meanwhile, it reads
  // once more after, so the last ask is always answered by a read begun after it.
  const reading = useRef(false);
  const askedAgain = useRef(false);
  const retry = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  /** Decisions answered so far: a read begun before the last one is older than its list. */
  const decisions = useRef(0);
  const refresh = useCallback(async () => {
    askedAgain.current = true;
    if (reading.current) return;
    reading.current = true;
    while (askedAgain.current) {
      askedAgain.current = false;
      const asOf = decisions.current;
      const result = await readRoute<DeviceList>(`/api/pods/${podId}/devices`);
      // A decision answered meanwhile carried a newer list than this read: keep that one.
      if (asOf !== decisions.current) continue;
      if (result.ok) {
        setDevices(result.value);
        setError(null);
      } else {
        setError(result.problem.detail);
        // An agent that is starting or busy answers later: try again on our own.
        clearTimeout(retry.current);
        retry.current = setTimeout(() => void refresh(), RETRY_MS);
      }
    }
    reading.current = false;
  }, [podId]);

  useEffect(() => {
    void refresh();
    const later = () => {
      clearTimeout(timer.current);
      timer.current = setTimeout(() => void refresh(), 500);
    };
    const stop = store.followLogs(podId, { onLine: (l) => isPairingLine(l.text) && later() });
    return () => {
      stop();
      clearTimeout(timer.current);
      clearTimeout(retry.current);
    };
  }, [store, podId, refresh]);

  const events = usePodEvents(podId);
  const lastDeviceEvent = events.filter((e) => DEVICE_REASONS.has(e.reason)).at(-1)?.id;
  useEffect(() => {
    if (lastDeviceEvent) void refresh();
  }, [lastDeviceEvent, refresh]);

  const decide = async (requestId: string, verb: Verb) => {
    setBusy({ requestId, verb });
    const result = await callAction(() => decideDevice(podId, requestId, verb));
    setBusy(null);
    if (result.ok) {
      decisions.current++;
      setDevices(result.value);
    } else setError(result.problem.detail);
  };

  const decidingOn = (d: AgentDevice, verb: Verb) =>
    busy?.requestId === d.requestId && busy.verb === verb;

  return (
    <Card role="region" aria-label="Devices">
      <CardHeader>
        <CardTitle>Devices</CardTitle>
        <CardDescription>
          Browsers must be approved once before they can use the agent.
        </CardDescription>
        <CardAction>
          <Button type="button" size="sm" variant="outline" onClick={() => void refresh()}>
            Refresh
          </Button>
        </CardAction>
      </CardHeader>
      <CardContent className="grid gap-4">
        {error && (
          <p role="alert" className="text-destructive text-sm">
            {error}
          </p>
        )}
        {!devices && !error && <p role="status">Loading the devices…</p>}
        {devices && (
          <>
            <DeviceSection
              title="Waiting for approval"
              empty="No browser is waiting."
              devices={devices.pending}
            >
              {(d) =>
                d.requestId && (
                  <div className="flex gap-2">
                    <Button
                      type="button"
                      size="sm"
                      disabled={busy !== null}
                      onClick={() => decide(d.requestId as string, 'approve')}
                    >
                      {decidingOn(d, 'approve') ? 'Approving…' : 'Approve'}
                    </Button>
                    <Button
                      type="button"
                      size="sm"
                      variant="outline"
                      disabled={busy !== null}
                      onClick={() => decide(d.requestId as string, 'reject')}
                    >
                      {decidingOn(d, 'reject') ? 'Rejecting…' : 'Reject'}
                    </Button>
                  </div>
                )
              }
            </DeviceSection>
            <DeviceSection
              title="Paired"
              empty="No device is paired yet."
              devices={devices.paired}
            />
          </>
        )}
      </CardContent>
    </Card>
  );
}

function DeviceSection(props: {
  title: string;
  empty: string;
  devices: AgentDevice[];
  children?: (d: AgentDevice) => React.ReactNode;
}) {
  return (
    <section className="grid gap-2">
      <h3 className="text-sm font-medium">{props.title}</h3>
      {props.devices.length === 0 ? (
        <p className="text-muted-foreground text-sm">{props.empty}</p>
      ) : (
        <ul className="grid gap-2" aria-label={props.title}>
          {props.devices.map((d) => (
            <li
              key={d.requestId ?? d.deviceId}
              data-device={d.deviceId}
              className="flex flex-wrap items-center justify-between gap-2 rounded-md border p-2 text-sm"
            >
              <span className="grid min-w-0">
                <span className="truncate font-mono text-xs">{d.deviceId.slice(0, 16)}…</span>
                <span className="text-muted-foreground text-xs">
                  {[d.clientId, d.platform, d.at && formatTime(d.at)].filter(Boolean).join(' · ')}
                </span>
              </span>
              {props.children?.(d)}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
