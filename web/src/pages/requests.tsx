// Capability requests (seed 003 gap 30): what agents asked for that only you can grant: a real
// LLM model, a larger memory cap, an MCP server that needs the network, a package ecosystem.
// Approve with a scope, a budget and an expiry, or deny with a reason; the agent hears either
// in its inbox and its next env.json. Agora enforces llm_model and memory_mb grants itself.
import { useState } from 'preact/hooks';
import { api } from '../api.js';
import { credits, dateTime } from '../format.js';
import { useLoad } from '../hooks.js';
import type { CapabilityRequest } from '../types.js';
import { AgentLink, Card, Empty, Loading } from './common.js';

const ENFORCED: Record<string, string> = {
  llm_model: 'Agora enforces it: the model answers this agent only (capabilities.granted_models), up to the budget in tokens.',
  memory_mb: "Agora enforces it: this agent's bundles may ask for up to the scope in MB (the market still sells only its supply).",
};

function RequestForm({ request, onDone }: { request: CapabilityRequest; onDone: (message: string) => void }) {
  const name = request.capability.includes(':') ? request.capability.slice(request.capability.indexOf(':') + 1) : '';
  const [scope, setScope] = useState(name);
  const [budget, setBudget] = useState('');
  const [hours, setHours] = useState('24');
  const [text, setText] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const answer = async (how: 'approve' | 'deny') => {
    setBusy(true);
    setError(null);
    try {
      const body =
        how === 'approve'
          ? { request_id: request.request_id, ...(scope.trim() === '' ? {} : { scope: scope.trim() }), ...(budget.trim() === '' ? {} : { budget: Number(budget) }), expires_in_s: Math.round(Number(hours) * 3600), ...(text.trim() === '' ? {} : { note: text }) }
          : { request_id: request.request_id, reason: text };
      const result = await api<CapabilityRequest>(`/capabilities/${how}`, { method: 'POST', body });
      onDone(`${result.status === 'approved' ? 'Approved' : 'Denied'} ${request.capability} for ${request.agent_id}; it hears it in its inbox and next env.json.`);
    } catch (err) {
      setError((err as Error).message);
      setBusy(false);
    }
  };
  return (
    <form class="prompt card" data-request={request.request_id} onSubmit={(e) => e.preventDefault()}>
      <div class="prompt-head">
        <span>
          <AgentLink id={request.agent_id} /> asks for <code>{request.capability}</code>
          {request.max_price > 0 && <> · says it is worth {credits(request.max_price)} credits</>}
        </span>
        <span class="muted">{dateTime(request.requested_at)}</span>
      </div>
      <p class="prompt-text">{request.reason}</p>
      <p class="muted">{ENFORCED[request.kind] ?? 'Agora cannot enforce this kind itself: approving records your grant and tells the agent; provide it yourself.'}</p>
      <div class="request-fields">
        <label>
          scope <input name="scope" value={scope} onInput={(e) => setScope((e.target as HTMLInputElement).value)} />
        </label>
        <label>
          budget (tokens) <input name="budget" inputMode="numeric" placeholder="unbounded" value={budget} onInput={(e) => setBudget((e.target as HTMLInputElement).value)} />
        </label>
        <label>
          expires in (hours) <input name="hours" inputMode="decimal" value={hours} onInput={(e) => setHours((e.target as HTMLInputElement).value)} />
        </label>
      </div>
      <textarea name="text" rows={2} placeholder="A note with an approval, or the reason for a denial (required to deny)" value={text} onInput={(e) => setText((e.target as HTMLTextAreaElement).value)} />
      <div class="prompt-actions">
        <button type="button" name="deny" class="secondary" disabled={busy || text.trim() === ''} onClick={() => answer('deny')}>
          Deny
        </button>
        <button type="button" name="approve" disabled={busy} onClick={() => answer('approve')}>
          Approve
        </button>
      </div>
      {error && <p class="error">{error}</p>}
    </form>
  );
}

export function RequestsPage() {
  const pending = useLoad((signal) => api<{ items: CapabilityRequest[] }>('/capabilities/requests?status=pending&limit=100', { signal }), []);
  const history = useLoad((signal) => api<{ items: CapabilityRequest[] }>('/capabilities/requests?limit=100', { signal }), [], { min_interval_ms: 2000 });
  const [notice, setNotice] = useState<string | null>(null);
  const answered = (history.data?.items ?? []).filter((r) => r.status !== 'pending');
  return (
    <div class="page">
      <h1>Requests</h1>
      <p class="muted">Capabilities agents asked for that only you can grant. Nothing is charged by a request; a grant&apos;s use is paid as usual (tokens, memory).</p>
      {notice && (
        <p class="notice" data-testid="notice">
          {notice}
        </p>
      )}
      {pending.data === null ? (
        <Loading error={pending.error} />
      ) : pending.data.items.length === 0 ? (
        <Empty>No request is waiting for you.</Empty>
      ) : (
        <div class="prompts" data-testid="pending-requests">
          {pending.data.items.map((r) => (
            <RequestForm
              key={r.request_id}
              request={r}
              onDone={(message) => {
                setNotice(message);
                pending.reload();
                history.reload();
              }}
            />
          ))}
        </div>
      )}
      <Card title="Answered" wide>
        {history.data === null ? (
          <Loading error={history.error} />
        ) : answered.length === 0 ? (
          <Empty>Nothing yet.</Empty>
        ) : (
          <table data-testid="request-history">
            <thead>
              <tr>
                <th>asked</th>
                <th>agent</th>
                <th>capability</th>
                <th>answer</th>
                <th>grant</th>
                <th>note or reason</th>
              </tr>
            </thead>
            <tbody>
              {answered.map((r) => (
                <tr key={r.request_id} data-request={r.request_id}>
                  <td>{dateTime(r.requested_at)}</td>
                  <td><AgentLink id={r.agent_id} /></td>
                  <td><code>{r.capability}</code></td>
                  <td>{r.status}{r.status === 'approved' && !r.active && ' (expired)'}</td>
                  <td>{r.status === 'approved' ? `${r.scope}, budget ${r.budget ?? 'unbounded'}, until ${dateTime(r.expires_at!)}` : ''}</td>
                  <td>{r.answer ?? ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Card>
    </div>
  );
}
