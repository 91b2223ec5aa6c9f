// The World page's history card: where this world was forked from, the forks made of it (each
// with its cycle and the config it changed, and a link to see it side by side with this world),
// checkpoints, and how many cycles are hashed.
import { api } from '../api.js';
import { count } from '../format.js';
import { useLoad } from '../hooks.js';
import type { WorldHistory } from '../types.js';
import { Card } from './common.js';

export const changes = (c: Record<string, unknown>) => {
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
          Forked from <code>{h.origin.parent_dir}</code> after cycle {h.origin.cycle} ({changes(h.origin.changes)}) ·{' '}
          <a href="#/compare/parent" data-testid="compare-parent">side by side with the parent</a>
        </p>
      )}
      {h.forks.length > 0 ? (
        <table data-testid="history-forks">
          <thead>
            <tr><th>fork</th><th>after cycle</th><th>changes</th><th></th></tr>
          </thead>
          <tbody>
            {h.forks.map((f) => (
              <tr key={f.id} data-id={f.id}>
                <td><code>{f.dir}</code></td><td>{f.cycle}</td><td>{changes(f.changes)}</td>
                <td><a href={`#/compare/${encodeURIComponent(f.id)}`}>side by side</a></td>
              </tr>
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
