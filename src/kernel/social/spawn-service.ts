// A spawn end to end, as a contract: the API offers it to agents, the orchestrator carries it
// out (it builds the child's workspace, then issues the social domain's spawn command). Here,
// below both, so neither imports the other.
import type { AgentView } from '../agents/commands.js';
import type { BidView } from '../market/reads.js';
import type { CommandMeta } from '../registry.js';
import type { SpawnInput } from './commands.js';

export interface SpawnRequest {
  parent_id: string;
  initial_ucr: number;
  /** Relative path -> UTF-8 content, written over the copy. */
  files: Record<string, string>;
  copy_self: boolean;
  note: string;
  first_bid?: SpawnInput['first_bid'];
}

export interface SpawnResult {
  child: AgentView;
  first_bid: BidView;
  files: { copied: number; given: number; skipped: number; bytes: number };
  /** The first skipped entries of the parent's workspace, for the caller to see what was left out. */
  skipped: string[];
}

export type SpawnService = (request: SpawnRequest, meta: CommandMeta) => Promise<SpawnResult>;
