// Won leases waiting for a run slot (orchestrator.runs_concurrent_max), first come first
// served. What waits is the lease itself, never an execution: no lease clock runs here, and
// the journal still lists each one as owed (leases.status = 'waiting'), so a restart finds
// it again. One entry per agent; leases the agent wins while it waits join its entry.
import { invariant } from '../base/errors.js';
import type { Bundle } from '../kernel/resources/units.js';

/** A lease the host owes: a won bid, or the rest of a run it interrupted. */
export interface Lease {
  /** The bid id, or `<execution id>:rest`. */
  id: string;
  agent_id: string;
  cycle: number;
  bundle: Bundle;
}

export class LeaseQueue<T extends { agent_id: string; leases: Lease[] }> {
  private readonly entries: T[] = [];
  /** The agents queued: one check per push instead of a walk of the queue. */
  private readonly agents = new Set<string>();

  get size(): number {
    return this.entries.length;
  }

  push(entry: T): void {
    invariant(entry.leases.length > 0, 'a queued run holds at least one lease');
    invariant(!this.agents.has(entry.agent_id), `agent ${entry.agent_id} is queued once`);
    this.agents.add(entry.agent_id);
    this.entries.push(entry);
  }

  /** The entry that has waited longest. */
  shift(): T | undefined {
    const entry = this.entries.shift();
    if (entry !== undefined) this.agents.delete(entry.agent_id);
    return entry;
  }

  /** Drops everything: the journal still owes these leases, a restart finds them. */
  clear(): T[] {
    this.agents.clear();
    return this.entries.splice(0);
  }

  /** Memory the waiting leases will hold once they run: the next clearing cannot sell it. */
  heldMemoryMb(): number {
    return this.entries.reduce((sum, e) => sum + Math.max(...e.leases.map((l) => l.bundle.memory_mb)), 0);
  }
}
