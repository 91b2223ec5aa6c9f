// The journal event of a package installed into an agent's workspace (docs/packages.md).
import { z } from 'zod';
import { lazySchemas } from '../engine/events.js';
import { agentId, count, postings } from '../ledger/events.js';

export const packageEvents = lazySchemas({
  package_installed: () => z
    .strictObject({
      agent_id: agentId(),
      execution_id: z.string().min(1).describe('The run that asked for it'),
      ecosystem: z.enum(['npm']),
      name: z.string().min(1).max(214),
      version: z.string().min(1).max(100).describe('The version the registry resolved'),
      integrity: z.string().max(200).describe("The registry's integrity hash of the package's tarball (from npm's lockfile)"),
      packages: count().describe('Packages installed, dependencies included'),
      bytes: count().describe('Bytes the install put in the workspace (node_modules/, measured)'),
      cpu_ms: count().describe("The install sandbox's metered CPU time"),
      cost_ucr: count().describe('packages.price_per_mb per MB plus packages.price_per_cpu_s per CPU second, burned'),
      postings: postings(),
    })
    .describe("The host installed an npm package into an agent's workspace (node_modules/) from the registry, at the agent's request; it paid for the bytes and the CPU."),
});
