// LLM metering joins the engine: token allowances of runs and the calls made against them.
import { defineDomain } from '../engine/domain.js';
import { llmEvents } from './events.js';
import { llmProjectors, llmTables } from './projection.js';

export const llmDomain = defineDomain({ name: 'llm', events: llmEvents, projectors: [llmProjectors], tables: llmTables });
