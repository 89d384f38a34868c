import { DoctorReport } from '@agentpod/shared';
import { type DoctorDeps, runDoctor } from '../doctor/doctor.js';
import type { ApiInstance } from './app.js';

export function doctorRoutes(deps: DoctorDeps) {
  return (app: ApiInstance) => {
    app.get(
      '/doctor',
      {
        schema: {
          tags: ['system'],
          description:
            "The installation's checks, each ok, warn, fail or skip with what to do: Docker, the database and its migrations, the proxy, DNS, certificates, memory and disk, clocks, the agent types' images. Takes up to 10 s.",
          response: { 200: DoctorReport },
        },
      },
      async () => runDoctor(deps),
    );
  };
}
