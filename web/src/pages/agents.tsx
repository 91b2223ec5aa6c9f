// Every agent: a sortable, filterable table (paged on the server) and the lineage tree.
import { useState } from 'preact/hooks';
import { api, query } from '../api.js';
import { count, credits } from '../format.js';
import { useLoad } from '../hooks.js';
import type { AgentRow } from '../types.js';
import { AgentLink, Card, Empty, Loading, StatusDot } from './common.js';
import { Lineage } from './lineage.js';

const PAGE = 100;
const COLUMNS: { key: string; label: string; num?: boolean }[] = [
  { key: 'id', label: 'agent' },
  { key: 'status', label: 'status' },
  { key: 'balance', label: 'balance', num: true },
  { key: 'generation', label: 'gen', num: true },
  { key: 'executions', label: 'runs', num: true },
  { key: 'earned', label: 'earned', num: true },
  { key: 'spent', label: 'spent', num: true },
];

export function AgentsPage() {
  const [sort, setSort] = useState('balance');
  const [order, setOrder] = useState<'asc' | 'desc'>('desc');
  const [status, setStatus] = useState('');
  const [search, setSearch] = useState('');
  const [offset, setOffset] = useState(0);
  const page = useLoad(
    (signal) => api<{ total: number; items: AgentRow[] }>(`/operator/agents${query({ sort, order, status, q: search, offset, limit: PAGE })}`, { signal }),
    [sort, order, status, search, offset],
    { min_interval_ms: 2000 },
  );
  const sortBy = (key: string) => {
    if (key === sort) setOrder(order === 'asc' ? 'desc' : 'asc');
    else {
      setSort(key);
      setOrder(key === 'id' || key === 'status' ? 'asc' : 'desc');
    }
    setOffset(0);
  };
  const total = page.data?.total ?? 0;

  return (
    <div class="page">
      <h1>Agents</h1>
      <div class="split">
        <Card
          title={`Agents${page.data ? ` — ${count(total)}` : ''}`}
          actions={
            <div class="filters">
              <input placeholder="id starts with…" value={search} onInput={(e) => (setSearch((e.target as HTMLInputElement).value), setOffset(0))} />
              <select value={status} onChange={(e) => (setStatus((e.target as HTMLSelectElement).value), setOffset(0))}>
                <option value="">all</option>
                <option value="alive">alive</option>
                <option value="dormant">dormant</option>
                <option value="dead">dead</option>
              </select>
            </div>
          }
        >
          {page.data === null ? (
            <Loading error={page.error} />
          ) : page.data.items.length === 0 ? (
            <Empty>No agent matches.</Empty>
          ) : (
            <>
              <table data-testid="agents-table">
                <thead>
                  <tr>
                    {COLUMNS.map((c) => (
                      <th class={`sortable${c.num ? ' num' : ''}`} onClick={() => sortBy(c.key)}>
                        {c.label}
                        {sort === c.key ? (order === 'asc' ? ' ▲' : ' ▼') : ''}
                      </th>
                    ))}
                    <th title="What the agent says of itself (POST /social/profile); genesis's children carry their genes here">genes / description</th>
                  </tr>
                </thead>
                <tbody>
                  {page.data.items.map((a) => (
                    <tr key={a.agent_id} data-agent={a.agent_id}>
                      <td><AgentLink id={a.agent_id} /></td>
                      <td><StatusDot status={a.status} /> {a.status}</td>
                      <td class="num" data-field="balance">{credits(a.balance)}</td>
                      <td class="num">{a.generation}</td>
                      <td class="num">{count(a.executions)}</td>
                      <td class="num">{credits(a.earned)}</td>
                      <td class="num">{credits(a.spent)}</td>
                      <td class="description-cell" data-field="description" title={a.description}>{a.description || <span class="muted">–</span>}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
              {total > PAGE && (
                <div class="pager">
                  <button disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - PAGE))}>‹ previous</button>
                  <span class="muted">{offset + 1}–{Math.min(total, offset + PAGE)} of {count(total)}</span>
                  <button disabled={offset + PAGE >= total} onClick={() => setOffset(offset + PAGE)}>next ›</button>
                </div>
              )}
            </>
          )}
        </Card>
        <Card title="Lineage">
          <Lineage />
        </Card>
      </div>
    </div>
  );
}
