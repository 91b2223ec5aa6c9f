// The researcher's page: the ecosystem KPIs per cycle (docs/kpis.md), the auditor's reports,
// and a form to add an agent of your own (agora add) from a project directory on the host.
import { useState } from 'preact/hooks';
import { api, ApiError } from '../api.js';
import { Chart } from '../chart.js';
import { useLoad } from '../hooks.js';
import { Card, Empty, Loading } from './common.js';
import type { Kpis, Reports } from '../types.js';

const fmt = (v: number | null | undefined) => (v === null || v === undefined ? '–' : Number.isInteger(v) ? String(v) : v.toFixed(3));

/** The form keeps its message after an add (the new agents' ids); the KPIs reload. */
function AddAgentForm({ onAdded }: { onAdded: () => void }) {
  const [dir, setDir] = useState('');
  const [name, setName] = useState('');
  const [credits, setCredits] = useState('');
  const [count, setCount] = useState('1');
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const submit = async (e: Event) => {
    e.preventDefault();
    try {
      const body = { dir: dir.trim(), count: Number(count), ...(name.trim() === '' ? {} : { name: name.trim() }), ...(credits.trim() === '' ? {} : { credits: Number(credits) }) };
      const added = await api<{ agents: { agent_id: string }[] }>('/operator/agents/add', { method: 'POST', body });
      setMessage({ ok: true, text: `added ${added.agents.map((a) => a.agent_id).join(', ')}` });
      setName('');
      onAdded();
    } catch (err) {
      setMessage({ ok: false, text: err instanceof ApiError ? err.message : String(err) });
    }
  };
  return (
    <form class="add-agent" onSubmit={submit} data-testid="add-agent-form">
      <label>
        project directory on the host <input name="dir" value={dir} placeholder="/home/me/my-agent" onInput={(e) => setDir((e.target as HTMLInputElement).value)} />
      </label>
      <label>
        name <input name="name" value={name} placeholder="(from the directory)" onInput={(e) => setName((e.target as HTMLInputElement).value)} />
      </label>
      <label>
        credits <input name="credits" value={credits} placeholder="(operator_agents.credits_default)" onInput={(e) => setCredits((e.target as HTMLInputElement).value)} />
      </label>
      <label>
        count <input name="count" type="number" min="1" value={count} onInput={(e) => setCount((e.target as HTMLInputElement).value)} />
      </label>
      <button type="submit" disabled={dir.trim() === ''}>Add agent</button>
      {message && <p class={message.ok ? 'muted' : 'error'} data-testid="add-agent-result">{message.text}</p>}
    </form>
  );
}

export function ResearchPage() {
  const [added, setAdded] = useState(0);
  const kpis = useLoad((signal) => api<Kpis>('/operator/kpis', { signal }), [added], { min_interval_ms: 2000 });
  const reports = useLoad((signal) => api<Reports>('/operator/reports?limit=5', { signal }), [], { min_interval_ms: 5000 });
  const k = kpis.data;
  return (
    <div class="page">
      <h1>Economy KPIs</h1>
      {k === null || k === undefined ? (
        <Loading error={kpis.error} />
      ) : k.cycle.length === 0 ? (
        <Empty>No KPIs yet: they are recorded after every cycle.</Empty>
      ) : (
        <div class="grid">
          {k.definitions.map((d) => (
            <Card title={d.name}>
              <p class="muted kpi-definition">{d.definition}</p>
              <p>
                now <b data-testid={`kpi-${d.name}`}>{fmt(k.series[d.name]?.[k.series[d.name]!.length - 1])}</b>
              </p>
              <Chart name={`kpi-${d.name}`} x={k.cycle} xLabel="cycle" lines={[{ label: d.name, color: '#4263eb', values: k.series[d.name] ?? [], format: (v) => fmt(v) }]} />
            </Card>
          ))}
        </div>
      )}
      <h2>The auditor's reports</h2>
      {reports.data === null || reports.data === undefined ? (
        <Loading error={reports.error} />
      ) : reports.data.reports.length === 0 ? (
        <Empty>No report yet: the auditor writes one every auditor.every_cycles cycles.</Empty>
      ) : (
        reports.data.reports.map((r) => (
          <Card title={`Cycle ${r.cycle} (${r.author})`}>
            <p data-testid="report-moved">moved: {r.moved.length === 0 ? 'nothing' : r.moved.map((m) => m.name).join(', ')}</p>
            <pre class="report" data-testid="report-text">{r.text}</pre>
          </Card>
        ))
      )}
      <h2>Add an agent of your own</h2>
      <Card title="agora add">
        <AddAgentForm onAdded={() => setAdded(added + 1)} />
      </Card>
    </div>
  );
}
