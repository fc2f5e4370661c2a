import { hostname } from 'node:os';

/** A process by host and id: who holds a claim or a send lease. */
export interface ProcessRef {
  host: string;
  pid: number;
}

let host: string | undefined;
/** The host name, read once: a system call per claim and send otherwise. */
const thisHost = (): string => (host ??= hostname());

export const thisProcess = (): ProcessRef => ({ host: thisHost(), pid: process.pid });

/**
 * Whether a holder is known to be gone: a process on this host that no longer runs (killed, or
 * crashed). Holders on other hosts are never judged gone here; their leases run out instead.
 */
export function goneFromThisHost(holder: ProcessRef | undefined): boolean {
  if (!holder || holder.host !== thisHost() || holder.pid === process.pid) return false;
  try {
    process.kill(holder.pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code !== 'EPERM';
  }
}
