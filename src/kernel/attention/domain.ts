// Attention joins the engine: attention slots of runs, prompts and their rewards.
import { defineDomain } from '../engine/domain.js';
import { attentionEvents } from './events.js';
import { attentionProjectors, attentionTables } from './projection.js';

export const attentionDomain = defineDomain({ name: 'attention', events: attentionEvents, projectors: [attentionProjectors], tables: attentionTables });
