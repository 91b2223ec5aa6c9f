// The KPIs and the auditor's reports join the engine.
import { defineDomain } from '../engine/domain.js';
import { kpiEvents } from './events.js';
import { kpiProjectors, kpiTables } from './projection.js';

export const kpisDomain = defineDomain({ name: 'kpis', events: kpiEvents, projectors: [kpiProjectors], tables: kpiTables });
