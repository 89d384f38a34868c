'use client';

import type { PodStatsPoint, PodWithStatus } from '@agentpod/shared';
import { useMemo, useRef } from 'react';
import {
  Area,
  AreaChart,
  CartesianGrid,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import { useLivePod } from '@/components/live/live-provider';
import { Card, CardContent, CardHeader, CardTitle } from '@/components/ui/card';
import { formatClock, formatPercent } from '@/lib/format';

interface Point {
  at: string;
  cpu: number | null;
  memoryMb: number;
}

const MAX_POINTS = 360;

/** CPU and memory: the last hour from GET /stats, then every sample the live feed brings. */
export function PodUsageCharts({
  rendered,
  series,
}: {
  rendered: PodWithStatus;
  series: PodStatsPoint[];
}) {
  const pod = useLivePod(rendered);
  const live = useRef<Point[]>([]);
  const usage = pod.status.usage;
  const points = useMemo(() => {
    const base: Point[] = series.map((p) => ({
      at: p.at,
      cpu: p.cpuPercent,
      memoryMb: p.memoryBytes / 1024 ** 2,
    }));
    const last = live.current.at(-1)?.at ?? base.at(-1)?.at ?? '';
    if (usage && usage.at > last) {
      live.current = [
        ...live.current,
        { at: usage.at, cpu: usage.cpuPercent, memoryMb: usage.memoryBytes / 1024 ** 2 },
      ].slice(-MAX_POINTS);
    }
    return [...base, ...live.current].slice(-MAX_POINTS);
  }, [series, usage]);
  const limitMb = usage ? usage.memoryLimitBytes / 1024 ** 2 : null;

  return (
    <Card>
      <CardHeader>
        <CardTitle>CPU and memory</CardTitle>
      </CardHeader>
      <CardContent className="grid gap-4">
        {points.length === 0 ? (
          <p className="text-muted-foreground text-sm">
            No samples yet: they come while the pod runs.
          </p>
        ) : (
          <>
            <Chart
              title="CPU"
              summary={`CPU now ${formatPercent(usage?.cpuPercent)}`}
              points={points}
              dataKey="cpu"
              unit="%"
              color="var(--color-chart-1)"
            />
            <Chart
              title="Memory"
              summary={`Memory now ${usage ? Math.round(usage.memoryBytes / 1024 ** 2) : '–'} MiB${limitMb ? ` of ${Math.round(limitMb)} MiB` : ''}`}
              points={points}
              dataKey="memoryMb"
              unit=" MiB"
              color="var(--color-chart-2)"
            />
          </>
        )}
      </CardContent>
    </Card>
  );
}

function Chart(props: {
  title: string;
  summary: string;
  points: Point[];
  dataKey: 'cpu' | 'memoryMb';
  unit: string;
  color: string;
}) {
  return (
    <figure className="grid gap-1" data-chart={props.dataKey}>
      <figcaption className="text-sm">
        <span className="font-medium">{props.title}</span>{' '}
        <span className="text-muted-foreground">{props.summary}</span>
      </figcaption>
      <div className="h-36" aria-hidden="true">
        <ResponsiveContainer width="100%" height="100%">
          <AreaChart
            data={props.points}
            margin={{ top: 4, right: 4, bottom: 0, left: 0 }}
            // The caption says the numbers; the drawing is left out of keyboard and screen readers.
            accessibilityLayer={false}
          >
            <CartesianGrid vertical={false} strokeDasharray="3 3" />
            <XAxis dataKey="at" tickFormatter={formatClock} minTickGap={40} fontSize={11} />
            <YAxis width={48} fontSize={11} unit={props.unit} allowDecimals={false} />
            <Tooltip labelFormatter={(v) => formatClock(String(v))} />
            <Area
              type="monotone"
              dataKey={props.dataKey}
              stroke={props.color}
              fill={props.color}
              fillOpacity={0.2}
              isAnimationActive={false}
              unit={props.unit}
            />
          </AreaChart>
        </ResponsiveContainer>
      </div>
    </figure>
  );
}
