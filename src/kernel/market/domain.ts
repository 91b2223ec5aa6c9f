// The market joins the engine: the order book, prices and clearing history.
import { defineDomain } from '../engine/domain.js';
import { marketEvents } from './events.js';
import { marketProjectors, marketTables } from './projection.js';

export const marketDomain = defineDomain({ name: 'market', events: marketEvents, projectors: [marketProjectors], tables: marketTables });
