// The World page's history card: where this world was forked from, the forks made of it (each
// with its cycle and the config it changed), checkpoints, and how many cycles are hashed.
import { api } from '../api.js';
import { count } from '../format.js';
import { useLoad } from '../hooks.js';
import { Card } from './common.js';

interface WorldHistory {
  cycles_closed: number;
  last_cycle: { cycle: number; seq: number; state_hash: string } | null;
  checkpoints: { name: string; cycle: number; seq: number }[];
  origin: { parent_dir: string; parent_world_id: string; cycle: number; changes: Record<string, unknown> } | null;
  forks: { dir: string; cycle: number; changes: Record<string, unknown> }[];
}

const changes = (c: Record<string, unknown>) => {
  const list = Object.entries(c).map(([k, v]) => `${k}=${JSON.stringify(v)}`);
  return list.length === 0 ? 'no change' : list.join(', ');
};

export function HistoryCard() {
  const history = useLoad((signal) => api<WorldHistory>('/operator/history', { signal }), [], { min_interval_ms: 5000 });
  const h = history.data;
  if (h === undefined || h === null) return null;
  return (
    <Card title="History and forks" wide>
      <p class="muted" data-testid="history-hashed">
        {count(h.cycles_closed)} cycles hashed{h.last_cycle === null ? '' : ` · state after cycle ${h.last_cycle.cycle}: ${h.last_cycle.state_hash.slice(0, 12)}`} · check with <code>agora replay</code>
      </p>
      {h.origin !== null && (
        <p data-testid="history-origin">
          Forked from <code>{h.origin.parent_dir}</code> after cycle {h.origin.cycle} ({changes(h.origin.changes)})
        </p>
      )}
      {h.forks.length > 0 ? (
        <table data-testid="history-forks">
          <thead>
            <tr><th>fork</th><th>after cycle</th><th>changes</th></tr>
          </thead>
          <tbody>
            {h.forks.map((f) => (
              <tr key={f.dir}><td><code>{f.dir}</code></td><td>{f.cycle}</td><td>{changes(f.changes)}</td></tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p class="muted">No forks yet: <code>agora fork --at CYCLE --to DIR [--set key=value]</code></p>
      )}
      {h.checkpoints.length > 0 && <p class="muted">Checkpoints: {h.checkpoints.map((c) => `${c.name} (cycle ${c.cycle})`).join(', ')}</p>}
    </Card>
  );
}
