import type { PodHealth, PodPhase } from '@agentpod/shared';
import { Badge } from '@/components/ui/badge';

const phaseVariant: Record<PodPhase, 'success' | 'warning' | 'destructive' | 'secondary'> = {
  pending: 'secondary',
  pulling: 'warning',
  creating: 'warning',
  starting: 'warning',
  running: 'success',
  stopping: 'warning',
  stopped: 'secondary',
  failed: 'destructive',
  deleting: 'warning',
  deleted: 'secondary',
};

const healthVariant: Record<PodHealth, 'success' | 'warning' | 'destructive' | 'outline'> = {
  unknown: 'outline',
  starting: 'warning',
  healthy: 'success',
  unhealthy: 'destructive',
};

export function PhaseBadge({ phase }: { phase: PodPhase }) {
  return (
    <Badge variant={phaseVariant[phase]} data-phase={phase}>
      {phase}
    </Badge>
  );
}

export function HealthBadge({ health }: { health: PodHealth }) {
  return (
    <Badge variant={healthVariant[health]} data-health={health}>
      {health}
    </Badge>
  );
}
