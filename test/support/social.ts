// Helpers for society tests: killing an agent through the real lifecycle, and looking at
// the workspaces directory.
import { readdirSync } from 'node:fs';
import type { World } from '../../src/orchestrator/open-world.js';

/** Takes a broke agent (no credits, no bid) through dormancy to death with the real lifecycle. */
export function killBrokeAgent(world: World, agent_id: string): void {
  const review = (cycle: number) => world.kernel.lifecycle.review({ cycle, min_bundle_cost_ucr: 1, death_after_cycles: 1 });
  review(1_000_000);
  review(1_000_001);
  const status = world.kernel.agents.require(agent_id).status;
  if (status !== 'dead') throw new Error(`${agent_id} is ${status}, not dead: it must have no credits and no bids`);
}

/** Entries of the world's workspaces directory, including hidden temp dirs. */
export function workspaceEntries(world: World): string[] {
  return readdirSync(world.paths.workspaces).sort();
}
