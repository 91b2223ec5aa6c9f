// Journal events of human attention: prompts that executions which won attention slots put to
// the operator, and how each one ended (rewarded or expired).
import { z } from 'zod';
import { lazySchemas } from '../engine/events.js';
import { agentId, count, postings } from '../ledger/events.js';
import { lazy } from '../../base/lazy.js';

/** Each score is an integer from 0 to SCORE_MAX (the seeds' scale; not a tunable). */
export const SCORE_MAX = 10;
export const SCORE_NAMES = ['interesting', 'useful', 'understandable'] as const;
export type ScoreName = (typeof SCORE_NAMES)[number];
export type Scores = Record<ScoreName, number>;

const promptId = lazy(() => z.string().min(1));
const score = lazy(() => z.number().int().min(0).max(SCORE_MAX));

export const attentionEvents = lazySchemas({
  prompt_submitted: () => z
    .strictObject({
      prompt_id: promptId(),
      agent_id: agentId(),
      execution_id: z.string().min(1),
      bid_id: z.string().min(1).describe('The won bid whose attention slot this prompt uses'),
      price_paid_ucr: count().describe('What that bid paid for its whole bundle (sealed second price)'),
      content: z.string(),
      options: z.array(z.string()).describe('Answers the agent suggests; the operator may reply anything'),
      expires_at_ms: count().describe('Unanswered by then, the prompt expires with no reward'),
    })
    .describe("An execution that won human attention asked the operator something. It waits in the operator's queue."),
  prompt_rewarded: () => z
    .strictObject({
      prompt_id: promptId(),
      agent_id: agentId(),
      scores: z.strictObject({ interesting: score(), useful: score(), understandable: score() }),
      reward_ucr: count(),
      formula: z
        .strictObject({
          credits_per_point_ucr: count(),
          weights: z.strictObject({ interesting: z.number().min(0), useful: z.number().min(0), understandable: z.number().min(0) }),
        })
        .describe('The reward formula in force when the operator answered (attention.reward)'),
      reply: z.string().nullable().describe("The operator's reply, also delivered to the agent's inbox"),
      postings: postings(),
    })
    .describe('The operator scored a prompt: the reward was minted from system:human to the agent. A prompt is rewarded at most once.'),
  prompt_expired: () => z
    .strictObject({ prompt_id: promptId(), agent_id: agentId(), expires_at_ms: count() })
    .describe('A prompt outlived attention.prompt_ttl_s unanswered: it closes with no reward. Nothing is ever scored automatically.'),
});
