// The lifecycle joins the engine: dormant, woken and dead, kept in the agents table.
import { defineDomain } from '../engine/domain.js';
import { lifecycleEvents } from './events.js';
import { lifecycleProjectors } from './projection.js';

export const lifecycleDomain = defineDomain({ name: 'lifecycle', events: lifecycleEvents, projectors: [lifecycleProjectors] });
