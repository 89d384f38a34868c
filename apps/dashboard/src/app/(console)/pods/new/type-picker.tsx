import type { AgentType } from '@agentpod/shared';
import { cn } from '@/lib/utils';

/** The agent types as radio cards: what each gives, before its form. */
export function TypePicker(props: {
  types: AgentType[];
  value: string;
  onChange: (id: string) => void;
}) {
  return (
    <fieldset className="grid gap-3">
      <legend className="mb-2 text-sm font-medium">Agent type</legend>
      <div className="grid gap-3 sm:grid-cols-2">
        {props.types.map((t) => (
          <label
            key={t.id}
            className={cn(
              'has-focus-visible:ring-ring/50 flex cursor-pointer gap-3 rounded-lg border p-4 has-focus-visible:ring-[3px]',
              props.value === t.id && 'border-primary bg-accent',
            )}
          >
            <input
              type="radio"
              name="agentType"
              value={t.id}
              checked={props.value === t.id}
              onChange={() => props.onChange(t.id)}
              className="accent-primary mt-1"
            />
            <span className="grid gap-1">
              <span className="font-medium">{t.displayName}</span>
              <span className="text-muted-foreground text-xs break-all">{t.image}</span>
              <span className="text-muted-foreground text-xs">
                {[
                  t.capabilities.devicePairing && 'device pairing',
                  t.capabilities.accessLink && 'access link',
                  t.revealedSecrets.length > 0 && 'first admin password shown once',
                ]
                  .filter(Boolean)
                  .join(' · ') || 'no extras'}
              </span>
            </span>
          </label>
        ))}
      </div>
    </fieldset>
  );
}
