// The agents join the engine: the agent records and their accounts.
import { defineDomain } from '../engine/domain.js';
import { agentEvents } from './events.js';
import { agentProjectors } from './projection.js';

export const agentsDomain = defineDomain({ name: 'agents', events: agentEvents, projectors: [agentProjectors], tables: ['agents'] });
