// Packages join the engine: one event, no table of their own (the ledger applies the postings).
import { defineDomain } from '../engine/domain.js';
import { packageEvents } from './events.js';

export const packagesDomain = defineDomain({ name: 'packages', events: packageEvents, projectors: [], tables: [] });
