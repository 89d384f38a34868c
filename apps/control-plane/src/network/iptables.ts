// The iptables commands the network filter needs, on the backend the Docker daemon uses: on
// Debian 12 `iptables` is the nf_tables one, but a host may run Docker on `iptables-legacy`, and
// rules in the other backend would never see the pods' packets.
import { execFile, execFileSync } from 'node:child_process';

const TIMEOUT_MS = 10_000;

export class IptablesError extends Error {
  constructor(
    readonly command: string,
    message: string,
  ) {
    super(`${command}: ${message}`);
    this.name = 'IptablesError';
  }
}

export type IptablesBackend = 'iptables' | 'iptables-legacy';

/**
 * The backend whose filter table has Docker's DOCKER-USER chain; null when neither answers
 * (not installed, or no CAP_NET_ADMIN). Synchronous: it runs once, at start.
 */
export function detectIptables(): { backend: IptablesBackend; dockerUser: boolean } | null {
  let usable: IptablesBackend | null = null;
  for (const backend of ['iptables', 'iptables-legacy'] as const) {
    try {
      execFileSync(backend, ['-w', '5', '-S', 'DOCKER-USER'], {
        stdio: 'ignore',
        timeout: TIMEOUT_MS,
      });
      return { backend, dockerUser: true };
    } catch {
      // Not this one; note whether it runs at all.
      try {
        execFileSync(backend, ['-w', '5', '-S', 'INPUT'], { stdio: 'ignore', timeout: TIMEOUT_MS });
        usable ??= backend;
      } catch {}
    }
  }
  return usable ? { backend: usable, dockerUser: false } : null;
}

export class Iptables {
  constructor(readonly backend: IptablesBackend) {}

  /** Atomic: the whole text applies or none of it; chains not declared in it are left alone. */
  async restore(text: string): Promise<void> {
    await this.run(`${this.backend}-restore`, ['-w', '5', '--noflush'], text);
  }

  /**
   * The filter table's chains and their `-A ...` lines. The whole table in one call: iptables-nft
   * 1.8.9 answers `-S <missing chain>` with "incompatible, use 'nft' tool", not "No chain".
   */
  async chains(): Promise<Map<string, string[]>> {
    const out = await this.run(this.backend, ['-w', '5', '-S']);
    const chains = new Map<string, string[]>();
    for (const line of out.split('\n')) {
      const [verb, chain] = line.split(' ', 2);
      if (!chain) continue;
      if (verb === '-N' || verb === '-P') chains.set(chain, chains.get(chain) ?? []);
      else if (verb === '-A') chains.set(chain, [...(chains.get(chain) ?? []), line]);
    }
    return chains;
  }

  async has(chain: string, rule: string[]): Promise<boolean> {
    try {
      await this.run(this.backend, ['-w', '5', '-C', chain, ...rule]);
      return true;
    } catch (err) {
      // -C exits 1 with "does a matching rule exist" when there is none; anything else is real.
      if (/matching rule|bad rule|No chain|does not exist/i.test((err as Error).message))
        return false;
      throw err;
    }
  }

  async insertFirst(chain: string, rule: string[]): Promise<void> {
    await this.run(this.backend, ['-w', '5', '-I', chain, '1', ...rule]);
  }

  async delete(chain: string, rule: string[]): Promise<void> {
    await this.run(this.backend, ['-w', '5', '-D', chain, ...rule]);
  }

  /** Empties and removes our own chains (nothing may jump to them any more). */
  async removeChains(chains: string[]): Promise<void> {
    const live = await this.chains();
    const ours = chains.filter((c) => live.has(c));
    for (const chain of ours) await this.run(this.backend, ['-w', '5', '-F', chain]);
    for (const chain of ours) await this.run(this.backend, ['-w', '5', '-X', chain]);
  }

  private run(command: string, args: string[], input?: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const child = execFile(command, args, { timeout: TIMEOUT_MS }, (err, stdout, stderr) => {
        if (err) {
          const detail = stderr.trim() || err.message;
          const shown = args[0] === '-w' ? args.slice(2) : args;
          reject(new IptablesError(`${command} ${shown.join(' ')}`, detail));
        } else resolve(stdout);
      });
      if (input !== undefined) child.stdin?.end(input);
    });
  }
}
