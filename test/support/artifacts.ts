// Artifacts for tests: a code artifact with one tool, data artifacts, a call's usage, and an
// owner whose tool a subscriber pays to call.
import type { PublishInput } from '../../src/kernel/artifacts/commands.js';
import type { Pricing } from '../../src/kernel/artifacts/events.js';
import type { World } from '../../src/orchestrator/open-world.js';
import { addAgent } from './world.js';

export const NO_USAGE = { cpu_ms: 0, memory_peak_mb: 0, wall_ms: 0 };
export const SMALL_ALLOWANCE = { cpu_ms: 1000, memory_mb: 64, wall_ms: 5000 };

export function toolInput(owner_id: string, options: { name?: string; tool?: string; pricing?: Pricing; access_contract_id?: string; description?: string } = {}): PublishInput {
  return {
    owner_id,
    kind: 'code',
    name: options.name ?? 'doubler',
    description: options.description ?? 'doubles a number',
    tags: ['math'],
    files: [{ name: 'main.js', bytes: Buffer.from('process.stdout.write(JSON.stringify({ y: 2 }))') }],
    entry: 'main.js',
    interface: {
      tools: [
        {
          name: options.tool ?? 'double',
          description: 'returns twice x',
          input_schema: { type: 'object', properties: { x: { type: 'number' } }, required: ['x'] },
          output_schema: { type: 'object', properties: { y: { type: 'number' } }, required: ['y'] },
          pricing: options.pricing ?? { kind: 'fixed', price_ucr: 100_000 },
        },
      ],
    },
    ...(options.access_contract_id === undefined ? {} : { access_contract_id: options.access_contract_id }),
  };
}

export function publishTool(world: World, owner_id: string, options: Parameters<typeof toolInput>[1] = {}): string {
  return world.kernel.artifacts.publish(toolInput(owner_id, options), { actor: owner_id }).artifact_id;
}

export function publishData(world: World, owner_id: string, content: string, extra: Partial<PublishInput> = {}): string {
  return world.kernel.artifacts.publish({ owner_id, kind: 'data', name: 'notes', content: Buffer.from(content), media_type: 'text/plain', ...extra }, { actor: owner_id }).artifact_id;
}

export function balanceOf(world: World, agent_id: string): number {
  return world.kernel.ledger.agentBalance(agent_id);
}

/**
 * `owner` (10 credits) with a published tool, and `fan` (10 credits) subscribed to it; each
 * `call()` is one paid call of the tool by the fan, settled. The world of env.json's tests.
 */
export function ownerWithSubscriber(world: World): { artifact_id: string; call: () => void } {
  const k = world.kernel;
  addAgent(world, 'owner', 10);
  addAgent(world, 'fan', 10);
  const artifact_id = publishTool(world, 'owner');
  k.artifacts.subscribe({ agent_id: 'fan', artifact_id, subscribed: true }, { actor: 'fan' });
  const call = () => {
    const c = k.artifacts.calls.beginCall({ payer_id: 'fan', caller_id: 'fan', artifact_id, tool: 'double', max_price_ucr: 100_000, allowance: SMALL_ALLOWANCE, depth: 1 }, { actor: 'fan' });
    k.artifacts.calls.settleCall({ call_id: c.call_id, resources: NO_USAGE, duration_ms: 3 }, { actor: 'system:invoke' });
  };
  return { artifact_id, call };
}
