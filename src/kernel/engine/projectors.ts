// Every projector, by event type. A new domain adds its projectors here; audit replays them.
import type { EventEnvelope } from '../ledger/events.js';
import { applyPostings, ledgerProjectors } from '../ledger/projection.js';
import { agentProjectors } from '../agents/projection.js';
import { marketProjectors, marketTables } from '../market/projection.js';
import { executionProjectors, executionTables } from '../executions/projection.js';
import { llmProjectors, llmTables } from '../llm/projection.js';
import { socialProjectors, socialTables } from '../social/projection.js';
import { attentionProjectors, attentionTables } from '../attention/projection.js';
import { worldCycleProjectors, worldCycleTables } from '../world/projection.js';
import type { Projector, Projectors, ProjectionWriter } from './projection.js';

const domains: Projectors[] = [ledgerProjectors, agentProjectors, marketProjectors, executionProjectors, attentionProjectors, worldCycleProjectors, socialProjectors, llmProjectors];

const byType = new Map<string, Projector<never>[]>();
for (const domain of domains) {
  for (const [type, projector] of Object.entries(domain)) {
    const list = byType.get(type) ?? [];
    list.push(projector as Projector<never>);
    byType.set(type, list);
  }
}

/** Projection tables compared by `agora audit` after a replay (the journal-derived state). */
export const projectionTables: readonly string[] = ['meta', 'accounts', 'postings', 'agents', ...marketTables, ...executionTables, ...attentionTables, ...worldCycleTables, ...socialTables, ...llmTables];

export function project(w: ProjectionWriter, event: EventEnvelope): void {
  for (const projector of byType.get(event.type) ?? []) projector(w, event.data as never, event as never);
  const data = event.data as { postings?: Parameters<typeof applyPostings>[1] };
  if (data.postings !== undefined && data.postings.length > 0) applyPostings(w, data.postings, event);
}
