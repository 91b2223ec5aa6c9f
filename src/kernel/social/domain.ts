// The society joins the engine: messages, inboxes, profiles and spawns.
import { defineDomain } from '../engine/domain.js';
import { socialEvents } from './events.js';
import { socialProjectors, socialTables } from './projection.js';

export const socialDomain = defineDomain({ name: 'social', events: socialEvents, projectors: [socialProjectors], tables: socialTables });
