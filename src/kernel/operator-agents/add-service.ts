// Adding operator agents end to end, as a contract: the API and the CLI offer it, the
// orchestrator carries it out (it copies the project into a workspace, then issues the
// operator-agents command). Here, below both, so neither imports the other.
import type { AgentView } from '../agents/commands.js';
import type { BidView } from '../market/reads.js';
import type { CommandMeta } from '../registry.js';

export interface AddAgentsRequest {
  /** The project directory on the host (the operator's own, trusted). */
  dir: string;
  /** Decimal credits each is granted; operator_agents.credits_default when absent. */
  credits?: number;
  /** The agent id (with --count K: NAME-1 … NAME-K); the directory's name and a random suffix when absent. */
  name?: string;
  count?: number;
}

export interface AddedAgent {
  agent: AgentView;
  first_bid: BidView;
  files: { copied: number; skipped: number; bytes: number };
}

export type AddAgentsService = (request: AddAgentsRequest, meta: CommandMeta) => Promise<AddedAgent[]>;
