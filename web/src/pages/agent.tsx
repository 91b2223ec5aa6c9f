// One agent in depth: its record and family, balance over time, the artifacts it owns, its
// trade, runs (with their logs), bids, messages and prompts.
import { Fragment } from 'preact';
import { useState } from 'preact/hooks';
import { api, query } from '../api.js';
import { Chart } from '../chart.js';
import { bundle, count, credits, dateTime } from '../format.js';
import { useLoad } from '../hooks.js';
import type { AgentDetail, Message, Trace } from '../types.js';
import { AgentLink, Card, COLORS, Empty, Loading, Stat, StatusDot } from './common.js';
import { AgentTradeCards } from './trade.js';
import { AgentArtifacts } from './artifacts.js';

function ExecutionLog({ id }: { id: string }) {
  const log = useLoad(
    (signal) => api<{ size_bytes: number; from_byte: number; capped: boolean | null; text: string; status: string }>(`/operator/executions/${encodeURIComponent(id)}/log`, { signal }),
    [id],
    { min_interval_ms: 2000 },
  );
  if (log.data === null) return <Loading error={log.error} />;
  const d = log.data;
  return (
    <div class="log">
      <div class="muted">
        {count(d.size_bytes)} bytes{d.from_byte > 0 ? `, showing the last ${count(d.size_bytes - d.from_byte)}` : ''}
        {d.capped ? ' · the run wrote more than sandbox.log_bytes_max; the rest was discarded' : ''}
      </div>
      <pre data-testid="log">{d.text === '' ? '(the run printed nothing on stdout or stderr)' : d.text}</pre>
    </div>
  );
}

const DORMANT_WHY: Record<string, string> = {
  broke: 'it could afford no bundle',
  omission: 'its last run ended without a bid for the next',
};

/** When and why a dead agent died, in words. */
function Death({ death }: { death: NonNullable<AgentDetail['death']> }) {
  const why = death.dormant_reason === null ? 'it stayed dormant' : `it went dormant${death.dormant_at ? ` at ${dateTime(death.dormant_at)}` : ''} because ${DORMANT_WHY[death.dormant_reason] ?? death.dormant_reason}`;
  return (
    <p class="error death" data-testid="death">
      Died {dateTime(death.at)} (cycle {death.cycle}): {why}, and nobody paid for a run in {death.dormant_cycles} cycles (lifecycle.death_after_cycles).
    </p>
  );
}

/** The agent's own trace file, when it keeps one: what it thought, in its words. */
function AgentTrace({ id }: { id: string }) {
  const trace = useLoad((signal) => api<Trace>(`/operator/agents/${encodeURIComponent(id)}/trace`, { signal }), [id], { min_interval_ms: 2000 });
  if (trace.data === null) return <Loading error={trace.error} />;
  const t = trace.data;
  if (!t.exists) return <Empty>It keeps no {t.file} in its workspace.</Empty>;
  return (
    <div class="log">
      <div class="muted">
        {t.file}: {count(t.size_bytes)} bytes{t.from_byte > 0 ? `, showing the last ${count(t.size_bytes - t.from_byte)}` : ''}
      </div>
      <pre data-testid="trace">{t.text}</pre>
    </div>
  );
}

export function AgentPage({ id }: { id: string }) {
  const detail = useLoad((signal) => api<AgentDetail>(`/operator/agents/${encodeURIComponent(id)}`, { signal }), [id]);
  const inbox = useLoad((signal) => api<{ items: Message[]; messages: number; unread: number }>(`/social/inbox${query({ agent_id: id, limit: 500 })}`, { signal }), [id]);
  const [openLog, setOpenLog] = useState<string | null>(null);
  if (detail.data === null) return <div class="page"><Loading error={detail.error} /></div>;
  const { agent, executions, bids, prompts, balance } = detail.data;
  const messages = [...(inbox.data?.items ?? [])].reverse();

  return (
    <div class="page">
      <h1>
        <StatusDot status={agent.status} /> {agent.agent_id} <span class="muted small">{agent.status}, generation {agent.generation}</span>
      </h1>
      {detail.data.death !== null && <Death death={detail.data.death} />}
      {agent.description && <p class="description">{agent.description}</p>}
      <p class="muted">
        {agent.parent_id === null ? 'no parent' : <>child of <AgentLink id={agent.parent_id} /></>}
        {agent.lineage.length > 1 && <> · lineage {agent.lineage.map((a, i) => <>{i > 0 && ' › '}<AgentLink id={a} /></>)}</>}
        {agent.children.length > 0 && <> · children {agent.children.map((c, i) => <>{i > 0 && ', '}<AgentLink id={c} /></>)}</>}
        {' · '}born {dateTime(agent.created_at)}
      </p>
      <div class="stats">
        <Stat label="Balance" value={<span data-testid="agent-balance">{credits(agent.balance)}</span>} sub={`${credits(agent.escrow)} in escrow`} />
        <Stat label="Earned" value={credits(agent.earned)} sub="transfers in, rewards" />
        <Stat label="Spent" value={credits(agent.spent)} sub="resources, fees, transfers out" />
        <Stat label="Runs" value={count(agent.executions)} />
        <Stat label="Inbox" value={count(inbox.data?.messages ?? 0)} sub={`${count(inbox.data?.unread ?? 0)} unread`} />
      </div>

      <Card title="Balance over time" wide>
        {balance.at_ms.length < 2 ? (
          <Empty>Not enough history yet.</Empty>
        ) : (
          <Chart name="balance" time x={balance.at_ms.map((ms) => ms / 1000)} lines={[{ label: 'balance', color: COLORS.held, values: balance.balance, fill: true, stepped: true, format: credits }]} />
        )}
      </Card>

      <AgentArtifacts id={id} />

      <AgentTradeCards id={id} />

      <Card title="Its trace (what it thinks)" wide>
        <AgentTrace id={id} />
      </Card>

      <Card title="Runs" wide>
        {executions.length === 0 ? (
          <Empty>No run yet.</Empty>
        ) : (
          <table data-testid="executions">
            <thead>
              <tr>
                <th>execution</th>
                <th>started</th>
                <th>bought</th>
                <th>status</th>
                <th class="num">cpu s</th>
                <th class="num">peak MB</th>
                <th class="num">wall s</th>
                <th>log</th>
              </tr>
            </thead>
            <tbody>
              {executions.map((e) => (
                // Keyed on the run: a new run on top must not re-make every row below it (a row
                // re-made under the pointer loses the click, and an open log its place).
                <Fragment key={e.execution_id}>
                  <tr>
                    <td><code>{e.execution_id}</code></td>
                    <td>{dateTime(e.started_at)}</td>
                    <td>{bundle(e.bundle)}{e.leases > 1 ? ` · ${e.leases} leases` : ''}</td>
                    <td>{e.status === 'running' ? <b class="alive-text">running</b> : `${e.reason}${e.exit_code !== null && e.exit_code !== 0 ? ` (${e.exit_code})` : ''}`}</td>
                    <td class="num">{e.cpu_s === null ? '–' : e.cpu_s.toFixed(2)}</td>
                    <td class="num">{e.memory_peak_mb ?? '–'}</td>
                    <td class="num">{e.wall_ms === null ? '–' : (e.wall_ms / 1000).toFixed(1)}</td>
                    <td>
                      <button class="link" onClick={() => setOpenLog(openLog === e.execution_id ? null : e.execution_id)}>
                        {openLog === e.execution_id ? 'hide' : 'show'}
                      </button>
                    </td>
                  </tr>
                  {openLog === e.execution_id && (
                    <tr class="expanded">
                      <td colSpan={8}>
                        <ExecutionLog id={e.execution_id} />
                      </td>
                    </tr>
                  )}
                </Fragment>
              ))}
            </tbody>
          </table>
        )}
      </Card>

      <div class="grid">
        <Card title="Messages received">
          {inbox.data === null ? (
            <Loading error={inbox.error} />
          ) : messages.length === 0 ? (
            <Empty>The inbox is empty.</Empty>
          ) : (
            <ul class="messages" data-testid="messages">
              {messages.map((m) => (
                <li key={m.id} class={m.from === 'operator' ? 'from-operator' : ''}>
                  <div class="muted">
                    {m.from === 'operator' ? <b>you (operator)</b> : <AgentLink id={m.from} />} · {dateTime(m.timestamp)}
                    {m.broadcast ? ' · broadcast' : ''}
                    {m.read ? '' : ' · unread'}
                  </div>
                  <div class="message-content">{m.content}</div>
                </li>
              ))}
            </ul>
          )}
        </Card>
        <Card title="Bids">
          {bids.length === 0 ? (
            <Empty>No bid.</Empty>
          ) : (
            <table>
              <thead>
                <tr>
                  <th>placed</th>
                  <th class="num">amount</th>
                  <th>bundle</th>
                  <th>status</th>
                  <th class="num">paid</th>
                </tr>
              </thead>
              <tbody>
                {bids.map((b) => (
                  <tr key={b.bid_id}>
                    <td>{dateTime(b.placed_at)}</td>
                    <td class="num">{credits(b.amount)}</td>
                    <td>{bundle(b.bundle)}{b.agent_id !== agent.agent_id && <> for <AgentLink id={b.agent_id} /></>}</td>
                    <td>{b.status}{b.close_reason ? ` (${b.close_reason})` : ''}</td>
                    <td class="num">{credits(b.price_paid)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </Card>
      </div>

      {prompts.length > 0 && (
        <Card title="Prompts to the operator" wide>
          <table>
            <thead>
              <tr>
                <th>asked</th>
                <th>prompt</th>
                <th>status</th>
                <th class="num">reward</th>
                <th>reply</th>
              </tr>
            </thead>
            <tbody>
              {prompts.map((p) => (
                <tr key={p.prompt_id}>
                  <td>{dateTime(p.created_at)}</td>
                  <td class="prompt-text">{p.content}</td>
                  <td>{p.status}</td>
                  <td class="num">{credits(p.reward)}</td>
                  <td>{p.reply ?? ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </Card>
      )}
    </div>
  );
}
