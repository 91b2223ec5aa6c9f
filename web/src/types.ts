// Shapes of the API answers the dashboard reads (see /openapi.json for the full reference).
export const RESOURCES = ['cpu', 'memory', 'tokens', 'attention'] as const;
export type Resource = (typeof RESOURCES)[number];

// The API's own response schemas (src/api/views/), inferred, not restated: a field the API
// changes is a type error here, not a blank on the page.
import type { AgentRow } from '../../src/api/views/operator.js';
export type { AgentDetail, AgentRow, Bundle, ExecutionRow, Lineage, ResourceSeries, Series, Summary, Trace } from '../../src/api/views/operator.js';
export type Status = AgentRow['status'];
export type { Prompt } from '../../src/api/views/attention.js';
export type { Message } from '../../src/api/views/social.js';
export type { EventsPage, JournalEvent } from '../../src/api/views/events.js';
export type { BookEntry, Clearing, BidView as Trade } from '../../src/api/views/market.js';
export type { CapabilityRequest } from '../../src/api/views/capabilities.js';
export type { AgentTrade, Loan, Offer } from '../../src/api/views/trade.js';
export type { Kpis, Reports } from '../../src/api/views/research.js';

// Artifacts: the API's own response schemas (src/api/views/artifacts.ts), inferred, not restated.
export type { AgentEntry, ArtifactEntry, ArtifactInfo, ArtifactTool, ArtifactUsage, ArtifactVersion, DirectoryPage } from '../../src/api/views/artifacts.js';

// History and the fork view: the API's own response schemas (src/api/views/history.ts), inferred.
export type { WorldComparison, WorldHistory, WorldSide } from '../../src/api/views/history.js';
