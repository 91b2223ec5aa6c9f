// The operator's agents join the engine.
import { defineDomain } from '../engine/domain.js';
import { operatorAgentEvents } from './events.js';
import { operatorAgentProjectors, operatorAgentTables } from './projection.js';

export const operatorAgentsDomain = defineDomain({ name: 'operator_agents', events: operatorAgentEvents, projectors: [operatorAgentProjectors], tables: operatorAgentTables });
