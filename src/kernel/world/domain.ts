// The world joins the engine: no events of its own, a per-cycle snapshot of the figures the
// operator watches, taken as each clearing is projected.
import { defineDomain } from '../engine/domain.js';
import { worldCycleProjectors, worldCycleTables } from './projection.js';

export const worldDomain = defineDomain({ name: 'world', events: {}, projectors: [worldCycleProjectors], tables: worldCycleTables });
