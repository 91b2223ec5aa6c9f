// Executions join the engine: runs and the leases they run on (a won bid is a lease owed).
import { defineDomain } from '../engine/domain.js';
import { executionEvents } from './events.js';
import { executionProjectors, executionTables } from './projection.js';

export const executionsDomain = defineDomain({ name: 'executions', events: executionEvents, projectors: [executionProjectors], tables: executionTables });
