// The history joins the engine: cycle hashes, workspace manifests, checkpoints, forks and the
// recorded LLM replies (docs/replay.md).
import { defineDomain } from '../engine/domain.js';
import { historyEvents } from './events.js';
import { historyProjectors, historyTables } from './projection.js';

export const historyDomain = defineDomain({ name: 'history', events: historyEvents, projectors: [historyProjectors], tables: historyTables });
