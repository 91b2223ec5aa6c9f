// Shapes of the API answers the dashboard reads (see /openapi.json for the full reference).
export type Status = 'alive' | 'dormant' | 'dead';
export const RESOURCES = ['cpu', 'memory', 'tokens', 'attention'] as const;
export type Resource = (typeof RESOURCES)[number];

export interface Summary {
  world_id: string | null;
  seq: number;
  now: string;
  cycle: number;
  clearing_interval_s: number;
  population: Record<Status, number>;
  credits: { held: number; escrow: number; minted: number; rewarded: number; burned: number };
  executions_running: number;
  open_bids: number;
  prompts: { pending: number; rewarded: number; expired: number };
  /** Capability requests by status (absent from worlds served by an older API). */
  requests?: { pending: number; approved: number; denied: number };
}

export interface ResourceSeries {
  unit: string;
  cycle: number[];
  price: number[];
  utilization: number[];
  demand: number[];
  supply: number[];
}

export interface Series {
  world: { cycle: number[]; at_ms: number[]; minted: number[]; rewarded: number[]; burned: number[]; alive: number[]; dormant: number[]; dead: number[]; running: number[] };
  resources: Record<Resource, ResourceSeries>;
}

export interface AgentRow {
  agent_id: string;
  status: Status;
  parent_id: string | null;
  generation: number;
  balance: number;
  escrow: number;
  earned: number;
  spent: number;
  executions: number;
  created_at: string;
  status_at: string;
  description: string;
}

export interface Bundle {
  cpu: number;
  memory: number;
  tokens: number;
  attention: number;
  duration_s: number;
}

export interface ExecutionRow {
  execution_id: string;
  bid_id: string;
  cycle: number;
  status: 'running' | 'ended';
  bundle: Bundle;
  leases: number;
  started_at: string;
  ended_at: string | null;
  reason: string | null;
  exit_code: number | null;
  cpu_s: number | null;
  memory_peak_mb: number | null;
  wall_ms: number | null;
  log_bytes: number | null;
  log_truncated: boolean | null;
}

export interface Prompt {
  prompt_id: string;
  seq: number;
  agent_id: string;
  execution_id: string;
  bid_id: string;
  price_paid: number;
  content: string;
  options: string[];
  status: 'pending' | 'rewarded' | 'expired';
  created_at: string;
  expires_at: string;
  closed_at: string | null;
  scores: { interesting: number; useful: number; understandable: number } | null;
  reward: number | null;
  reply: string | null;
}

export interface AgentDetail {
  agent: AgentRow & { lineage: string[]; children: string[] };
  executions: ExecutionRow[];
  bids: { bid_id: string; agent_id: string; amount: number; bundle: Bundle; status: string; placed_at: string; price_paid: number | null; close_reason: string | null; closed_cycle: number | null }[];
  prompts: Prompt[];
  balance: { at_ms: number[]; seq: number[]; balance: number[] };
  death: { at: string; cycle: number; dormant_cycles: number; dormant_reason: string | null; dormant_at: string | null } | null;
}

export interface Trace {
  agent_id: string;
  file: string;
  exists: boolean;
  size_bytes: number;
  from_byte: number;
  text: string;
}

export interface Message {
  id: string;
  seq: number;
  from: string;
  content: string;
  timestamp: string;
  broadcast: boolean;
  read: boolean;
}

export interface JournalEvent {
  seq: number;
  id: string;
  type: string;
  at: string;
  actor: string;
  correlation_id: string | null;
  causation_id: string | null;
  data: Record<string, unknown>;
}

export interface BookEntry {
  rank: number;
  bid_id: string;
  payer_id: string;
  agent_id: string;
  amount: number | null;
  sealed: boolean;
  bundle: Bundle;
  reserve: number;
  score: number | null;
  placed_cycle: number;
  expires_after_cycle: number;
}

export interface Clearing {
  cycle: number;
  at: string;
  open_bids: number;
  expired: number;
  eligible: number;
  below_reserve: number;
  won: number;
  outbid: number;
  cancelled: number;
  burned: number;
  refunded: number;
}

export interface Trade {
  bid_id: string;
  payer_id: string;
  agent_id: string;
  bundle: Bundle;
  price_paid: number | null;
  rule: string | null;
  closed_cycle: number | null;
}

export interface CapabilityRequest {
  request_id: string;
  agent_id: string;
  capability: string;
  kind: string;
  reason: string;
  max_price: number;
  status: 'pending' | 'approved' | 'denied';
  requested_at: string;
  answered_at: string | null;
  scope: string | null;
  budget: number | null;
  expires_at: string | null;
  active: boolean;
  answer: string | null;
}

// Artifacts: the API's own response schemas (src/api/views/artifacts.ts), inferred, not restated.
export type { AgentEntry, ArtifactEntry, ArtifactInfo, ArtifactTool, ArtifactUsage, ArtifactVersion, DirectoryPage } from '../../src/api/views/artifacts.js';

// History and the fork view: the API's own response schemas (src/api/views/history.ts), inferred.
export type { WorldComparison, WorldHistory, WorldSide } from '../../src/api/views/history.js';
