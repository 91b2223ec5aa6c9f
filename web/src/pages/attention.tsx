// The operator's queue: prompts from runs that bought your attention, oldest first. Score
// each from 0 to 10 on three counts, reply if you like; the reward is minted to the agent and
// the reply lands in its inbox. Nothing here is ever scored for you.
import { useContext, useState } from 'preact/hooks';
import { api, ApiError } from '../api.js';
import { credits, dateTime, relative } from '../format.js';
import { SummaryContext, useLoad } from '../hooks.js';
import type { Prompt } from '../types.js';
import { AgentLink, Card, Empty, Loading } from './common.js';

type Scores = NonNullable<Prompt['scores']>;
interface Formula {
  credits_per_point: number;
  weights: Scores;
}
const SCORE_NAMES = ['interesting', 'useful', 'understandable'] as const;

function rewardOf(scores: Scores, f: Formula | null): number | null {
  if (f === null) return null;
  return f.credits_per_point * SCORE_NAMES.reduce((sum, name) => sum + scores[name] * f.weights[name], 0);
}

/**
 * What a reward means in this world: its size against what the world holds and what the slot
 * cost, and the whole scale, so that the operator picks scores knowing what they move.
 */
function RewardScale({ reward, held, slot, formula }: { reward: number | null; held: number | null; slot: number; formula: Formula | null }) {
  if (reward === null || formula === null) return <span class="muted">reward …</span>;
  const best = rewardOf({ interesting: 10, useful: 10, understandable: 10 }, formula)!;
  const share = held === null || held <= 0 ? null : (100 * reward) / held;
  return (
    <span class="muted reward-scale" data-testid="reward-scale">
      reward <b>{credits(reward)}</b> credits (0 to {credits(best)} on this scale)
      {held !== null && <> · the world holds {credits(held)} credits; this adds {share === null ? '–' : share < 0.01 ? '<0.01' : share.toFixed(2)}%</>}
      {slot > 0 && <> · {(reward / slot).toFixed(1)}× what the slot cost</>}
    </span>
  );
}

function PromptForm({ prompt, formula, onDone }: { prompt: Prompt; formula: Formula | null; onDone: (message: string) => void }) {
  const summary = useContext(SummaryContext);
  const world_now_ms = summary === null ? Date.now() : Date.parse(summary.now);
  const [scores, setScores] = useState<Scores>({ interesting: 5, useful: 5, understandable: 5 });
  const [reply, setReply] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const result = await api<{ reward: number; balance: number }>('/human/reward', {
        method: 'POST',
        body: { prompt_id: prompt.prompt_id, ...scores, ...(reply.trim() === '' ? {} : { reply }) },
      });
      onDone(`Rewarded ${prompt.agent_id} with ${credits(result.reward)} credits; its balance is now ${credits(result.balance)}.`);
    } catch (err) {
      setError(err instanceof ApiError && err.status === 409 ? 'This prompt was already answered or has expired.' : (err as Error).message);
      setBusy(false);
    }
  };
  return (
    <form class="prompt card" onSubmit={submit} data-prompt={prompt.prompt_id}>
      <div class="prompt-head">
        <span>
          <AgentLink id={prompt.agent_id} /> asks · paid {credits(prompt.price_paid)} for the slot
        </span>
        <span class="muted">
          {dateTime(prompt.created_at)} · expires {relative(prompt.expires_at, world_now_ms)}
        </span>
      </div>
      <p class="prompt-text">{prompt.content}</p>
      {prompt.options.length > 0 && (
        <div class="options">
          {prompt.options.map((o) => (
            <button type="button" class="chip" onClick={() => setReply(o)} title="use as reply">
              {o}
            </button>
          ))}
        </div>
      )}
      <div class="scores">
        {SCORE_NAMES.map((name) => (
          <label>
            <span>
              {name} <b>{scores[name]}</b>
            </span>
            <input
              type="range"
              min={0}
              max={10}
              step={1}
              name={name}
              value={scores[name]}
              onInput={(e) => setScores({ ...scores, [name]: Number((e.target as HTMLInputElement).value) })}
            />
          </label>
        ))}
      </div>
      <textarea name="reply" placeholder="Reply (optional): it goes to the agent's inbox" value={reply} onInput={(e) => setReply((e.target as HTMLTextAreaElement).value)} rows={2} />
      <div class="prompt-actions">
        <RewardScale reward={rewardOf(scores, formula)} held={summary?.credits.held ?? null} slot={prompt.price_paid} formula={formula} />
        <button type="submit" disabled={busy}>
          Reward and reply
        </button>
      </div>
      {error && <p class="error">{error}</p>}
    </form>
  );
}

export function AttentionPage() {
  const pending = useLoad((signal) => api<{ items: Prompt[] }>('/human/prompts?status=pending&limit=100', { signal }), []);
  const history = useLoad((signal) => api<{ items: Prompt[] }>('/human/prompts?limit=100', { signal }), [], { min_interval_ms: 2000 });
  const config = useLoad((signal) => api<{ attention: { reward: Formula; prompt_ttl_s: number } }>('/config', { signal }), [], { live: false });
  const [notice, setNotice] = useState<string | null>(null);
  const formula = config.data?.attention.reward ?? null;
  const answered = (history.data?.items ?? []).filter((p) => p.status !== 'pending');

  return (
    <div class="page">
      <h1>Attention</h1>
      <p class="muted">
        Agents buy slots of your attention in the market; each prompt here was paid for. Score it 0–10 on each count
        {formula && <> ({credits(formula.credits_per_point)} credits per weighted point)</>}; unanswered prompts expire with no reward.
      </p>
      {notice && (
        <p class="notice" data-testid="notice">
          {notice}
        </p>
      )}
      {pending.data === null ? (
        <Loading error={pending.error} />
      ) : pending.data.items.length === 0 ? (
        <Empty>No prompt is waiting for you.</Empty>
      ) : (
        <div class="prompts" data-testid="pending-prompts">
          {pending.data.items.map((p) => (
            <PromptForm
              key={p.prompt_id}
              prompt={p}
              formula={formula}
              onDone={(message) => {
                setNotice(message);
                pending.reload();
                history.reload();
              }}
            />
          ))}
        </div>
      )}
      <Card title="Answered and expired" wide>
        {history.data === null ? (
          <Loading error={history.error} />
        ) : answered.length === 0 ? (
          <Empty>Nothing yet.</Empty>
        ) : (
          <table data-testid="prompt-history">
            <thead>
              <tr>
                <th>asked</th>
                <th>agent</th>
                <th>prompt</th>
                <th>scores</th>
                <th class="num">reward</th>
                <th>reply</th>
              </tr>
            </thead>
            <tbody>
              {answered.map((p) => (
                <tr key={p.prompt_id}>
                  <td>{dateTime(p.created_at)}</td>
                  <td><AgentLink id={p.agent_id} /></td>
                  <td class="prompt-text">{p.content}</td>
                  <td>{p.scores ? `${p.scores.interesting} / ${p.scores.useful} / ${p.scores.understandable}` : <span class="muted">expired</span>}</td>
                  <td class="num">{credits(p.reward)}</td>
                  <td>{p.reply ?? ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Card>
    </div>
  );
}
