// Journal events of the world's history (docs/replay.md): the state hash at the end of every
// cycle, each run's workspace manifest, checkpoints, forks, and the LLM replies agents were
// given (content and usage source), so that a replay or a fork needs nothing but the journal.
import { z } from 'zod';
import { lazySchemas } from '../engine/events.js';
import { agentId, count } from '../ledger/events.js';
import { lazy } from '../../base/lazy.js';

const sha256 = lazy(() => z.string().regex(/^[0-9a-f]{64}$/));
const executionId = lazy(() => z.string().min(1));
const rngPosition = lazy(() => z
  .strictObject({ seed: z.number().int().min(0), draws: count() })
  .describe("The kernel's random stream: its seed and how many draws it had made (a fork resumes it)"));

export const historyEvents = lazySchemas({
  cycle_closed: () => z
    .strictObject({
      cycle: count(),
      state_hash: sha256().describe("sha256 over every kernel table's digest, taken before this event is projected"),
      hash_scheme: z
        .literal('lthash16')
        .optional()
        .describe("How the table digests are made (docs/replay.md): lthash16, a multiset hash kept from the rows each command changed; absent in journals written before it, whose digests are sha256 over each table's sorted rows"),
      table_hashes: z.record(z.string(), sha256()).describe("Each table's own hash: a replay names the first table that differs"),
      rng: rngPosition().describe('The random stream after this event (its own id drawn)'),
    })
    .describe('The end of a cycle: the hash of the world state it left. `agora replay` re-folds the journal and checks every one.'),
  workspace_recorded: () => z
    .strictObject({
      execution_id: executionId(),
      agent_id: agentId(),
      cycle: count(),
      manifest: sha256().describe('The manifest object in the world\'s content-addressed store (history/objects)'),
      files: count(),
      bytes: count(),
      skipped: count().describe('Links and special files the snapshot does not keep'),
    })
    .describe("The agent's workspace as its run left it, recorded in the history store (history.retention decides which runs)."),
  checkpoint_marked: () => z
    .strictObject({
      name: z.string().min(1).max(100),
      cycle: count(),
      seq: count().describe('The journal position the checkpoint marks'),
      manifests: z.record(z.string(), sha256()).describe('Each agent\'s latest workspace manifest at that point'),
    })
    .describe('`agora checkpoint`: a named point of the journal with the workspaces as they were then.'),
  world_forked: () => z
    .strictObject({
      parent_dir: z.string().min(1),
      parent_world_id: z.string().min(1),
      cycle: count().describe("The parent's cycle the fork starts after"),
      parent_seq: count().describe("The last parent event this journal copies"),
      changes: z.record(z.string(), z.unknown()).describe('Config keys the fork changed (`--set key=value`)'),
      rng: rngPosition(),
    })
    .describe("This world is a fork: its journal up to here is its parent's prefix, its workspaces were restored to that point."),
  llm_reply_recorded: () => z
    .strictObject({
      execution_id: executionId(),
      agent_id: agentId(),
      request_sha256: sha256().describe('Of the request as the agent sent it (model, messages, options): the key a replay serves it by'),
      body: z.string().describe('The reply the agent was given: the chat.completion JSON, or the streamed text'),
      stream: z.boolean(),
      replayed: z.boolean().describe('Served from a recording (llm.mode: replay) rather than a provider'),
    })
    .describe('An LLM reply, journaled before the agent is given it (streamed replies: once the stream ends).'),
  llm_replay_diverged: () => z
    .strictObject({ agent_id: agentId(), request_sha256: sha256(), recorded: count().describe('Recorded replies served before this one had none') })
    .describe('llm.mode replay found no recorded reply for a request: from here on the world is served live.'),
});
