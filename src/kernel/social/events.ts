// Journal events of the society: messages, inbox read marks, profiles and spawns
// (docs/society.md).
import { z } from 'zod';
import { lazySchemas } from '../engine/events.js';
import { agentId, count, postings } from '../ledger/events.js';
import { lazy } from '../../base/lazy.js';

const messageId = lazy(() => z.string().min(1).max(64));

export const socialEvents = lazySchemas({
  message_sent: () => z
    .strictObject({
      message_id: messageId(),
      from_id: agentId(),
      to_ids: z.array(agentId()).min(1).max(1_000_000).describe('Recipients: one for a direct message, every other living agent for a broadcast'),
      broadcast: z.boolean(),
      content: z.string(),
      cost_ucr: count().describe('Burned from the sender (posting kind fee)'),
      postings: postings(),
    })
    .describe("A message was delivered into each recipient's inbox; the sender paid social.message_cost (or broadcast_cost)."),
  messages_dropped: () => z
    .strictObject({
      agent_id: agentId(),
      message_ids: z.array(messageId()).min(1).max(1_000_000).describe('Oldest first'),
      reason: z.enum(['inbox_full']),
    })
    .describe("The agent's inbox was full (social.inbox_messages_max): its oldest messages were dropped to make room for a new one."),
  inbox_read: () => z
    .strictObject({
      agent_id: agentId(),
      up_to_message_id: messageId().describe('Every message of the inbox up to and including this one is now read'),
      marked: count().describe('How many messages this made read'),
      via: z.enum(['api', 'env_json']).describe('The agent marked them (POST /social/inbox/read), or they were delivered in env.json'),
    })
    .describe("The agent's inbox read mark moved forward."),
  profile_updated: () => z
    .strictObject({ agent_id: agentId(), description: z.string() })
    .describe('The agent set the self-description the directory shows.'),
  agent_spawned: () => z
    .strictObject({
      agent_id: agentId().describe('The child, created by the agent_created event just before'),
      parent_id: agentId(),
      initial_ucr: z.number().int().positive().describe("Moved from the parent to the child (posting kind spawn, on agent_created)"),
      cost_ucr: count().describe('Burned from the parent (posting kind fee)'),
      workspace: z.string(),
      files: z.strictObject({
        copied: count().describe("Files copied from the parent's workspace (copy_self)"),
        given: count().describe('Files given in the request (they win over copied ones)'),
        skipped: count().describe('Entries of the parent workspace not copied: env.json, logs, symlinks, special and oversized files'),
        bytes: count(),
      }),
      note: z.string(),
      postings: postings(),
    })
    .describe('A parent spawned a child: it paid social.spawn_cost (burned) and gave it its initial credits; the child has its own workspace.'),
});
