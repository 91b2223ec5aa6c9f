// Capability requests join the engine: what agents asked the operator for, and the answers.
import { defineDomain } from '../engine/domain.js';
import { capabilityEvents } from './events.js';
import { capabilityProjectors, capabilityTables } from './projection.js';

export const capabilitiesDomain = defineDomain({ name: 'capabilities', events: capabilityEvents, projectors: [capabilityProjectors], tables: capabilityTables });
