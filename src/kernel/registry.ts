// The kernel's event map as a type: every domain's `events`, composed. Domain code imports its
// `Tx`, `KernelCore` and event types from here, so `tx.emit(type, data)` is checked at compile
// time against every event of every domain. Types only (no runtime import), so this file makes no
// cycle with the domains; src/kernel/kernel.ts holds the runtime list and checks it matches.
import type { z } from 'zod';
import type { KernelCore as EngineCore, EventListener as EngineListener, Tx as EngineTx } from './engine/core.js';
import type { EventEnvelope as EngineEnvelope } from './engine/events.js';
import type { ProjectorsFor } from './engine/projection.js';
import type { agentEvents } from './agents/events.js';
import type { artifactEvents } from './artifacts/events.js';
import type { attentionEvents } from './attention/events.js';
import type { capabilityEvents } from './capabilities/events.js';
import type { executionEvents } from './executions/events.js';
import type { ledgerEvents } from './ledger/events.js';
import type { lifecycleEvents } from './lifecycle/events.js';
import type { llmEvents } from './llm/events.js';
import type { marketEvents } from './market/events.js';
import type { socialEvents } from './social/events.js';
import type { operatorAgentEvents } from './operator-agents/events.js';
import type { kpiEvents } from './kpis/events.js';
import type { historyEvents } from './history/events.js';
import type { tradeEvents } from './trade/events.js';
import type { packageEvents } from './packages/events.js';

export type KernelEvents = typeof ledgerEvents &
  typeof agentEvents &
  typeof marketEvents &
  typeof executionEvents &
  typeof lifecycleEvents &
  typeof attentionEvents &
  typeof socialEvents &
  typeof llmEvents &
  typeof operatorAgentEvents &
  typeof kpiEvents &
  typeof artifactEvents &
  typeof capabilityEvents &
  typeof historyEvents &
  typeof tradeEvents &
  typeof packageEvents;

export type EventType = keyof KernelEvents & string;
export type EventData<T extends EventType> = z.infer<KernelEvents[T]>;
export type EventEnvelope<T extends EventType = EventType> = EngineEnvelope<KernelEvents, T>;
export type Tx = EngineTx<KernelEvents>;
export type KernelCore = EngineCore<KernelEvents>;
export type EventListener = EngineListener<KernelEvents>;
export type Projectors = ProjectorsFor<KernelEvents>;
export type { CommandMeta } from './engine/events.js';
export type { Posting } from './ledger/events.js';
