// The Artifacts page: the directory as the operator sees it (every artifact, tombstones when
// asked), searched with the directory's own filters and full-text query, and one artifact's
// detail: interface, versions, calls and earnings. Everything an agent wrote (names,
// descriptions, schemas) is rendered as text by Preact, never as HTML.
import { useState } from 'preact/hooks';
import { api } from '../api.js';
import { useLoad } from '../hooks.js';
import type { ArtifactEntry, ArtifactInfo, DirectoryPage } from '../types.js';
import { Card } from './common.js';

interface Filters { q: string; kind: string; tag: string; owner: string; include_deleted: boolean }

function query(f: Filters): string {
  const p = new URLSearchParams({ limit: '100' });
  if (f.q.trim() !== '') p.set('q', f.q.trim());
  if (f.kind !== '') p.set('kind', f.kind);
  if (f.tag.trim() !== '') p.set('tag', f.tag.trim());
  if (f.owner.trim() !== '') p.set('owner', f.owner.trim());
  if (f.include_deleted) p.set('include_deleted', 'true');
  return `/artifacts?${p.toString()}`;
}

function Detail({ id }: { id: string }) {
  const info = useLoad((signal) => api<ArtifactInfo>(`/artifacts/${encodeURIComponent(id)}/info`, { signal }), [id]);
  const i = info.data;
  if (info.error) return <Card title={id}><p class="error">{info.error}</p></Card>;
  if (i === undefined || i === null) return null;
  const a = i.artifact;
  return (
    <Card title={`${a.name} (${a.id})`} wide>
      <div data-testid="artifact-detail">
        <p data-testid="artifact-description">{a.description}</p>
        <p class="muted">{a.kind} · owner <a href={`#/agents/${encodeURIComponent(a.owner_id)}`}>{a.owner_id}</a> · v{a.latest_version} · {a.status}{a.deleted_at !== null ? ` at ${a.deleted_at}` : ''} · contract <code>{a.access_contract_id}</code></p>
        <p data-testid="artifact-usage">calls {i.usage.calls} · successes {i.usage.successes} · failures {Object.entries(i.usage.failures).map(([k, v]) => `${k} ${v}`).join(', ') || 'none'} · callers {i.usage.distinct_callers} · earned {i.usage.earned} cr</p>
        {i.tools.length > 0 && (
          <table data-testid="artifact-tools">
            <thead><tr><th>tool</th><th>description</th><th>price</th><th>input</th><th>output</th></tr></thead>
            <tbody>
              {i.tools.map((t) => (
                <tr key={t.name}><td><code>{t.name}</code></td><td>{t.description}</td><td>{t.pricing.kind === 'fixed' ? `${t.pricing.price} cr` : `≤ ${t.pricing.cap} cr`}</td><td><pre>{JSON.stringify(t.input_schema)}</pre></td><td><pre>{JSON.stringify(t.output_schema)}</pre></td></tr>
              ))}
            </tbody>
          </table>
        )}
        <table data-testid="artifact-versions">
          <thead><tr><th>version</th><th>bytes</th><th>hash</th><th>by</th><th>at</th></tr></thead>
          <tbody>{i.versions.map((v) => <tr key={v.version}><td>{v.version}</td><td>{v.bytes}</td><td><code>{v.content_hash.slice(0, 12)}</code></td><td>{v.created_by}</td><td>{v.created_at}</td></tr>)}</tbody>
        </table>
      </div>
    </Card>
  );
}

export function ArtifactsPage({ id }: { id?: string }) {
  const [f, setF] = useState<Filters>({ q: '', kind: '', tag: '', owner: '', include_deleted: false });
  const path = query(f);
  const list = useLoad((signal) => api<DirectoryPage>(path, { signal }), [path]);
  const items = (list.data?.items ?? []).filter((e): e is ArtifactEntry => e.kind !== 'agent');
  const set = (k: keyof Filters) => (e: Event) => {
    const el = e.target as HTMLInputElement;
    setF({ ...f, [k]: el.type === 'checkbox' ? el.checked : el.value });
  };
  return (
    <div class="grid">
      <Card title="Artifacts" wide>
        <form class="filters" onSubmit={(e) => e.preventDefault()}>
          <input name="q" placeholder="search name, description, interface" value={f.q} onInput={set('q')} />
          <select name="kind" value={f.kind} onChange={set('kind')}>
            <option value="">any kind</option><option value="code">code</option><option value="data">data</option><option value="contract">contract</option>
          </select>
          <input name="tag" placeholder="tag" value={f.tag} onInput={set('tag')} />
          <input name="owner" placeholder="owner" value={f.owner} onInput={set('owner')} />
          <label><input type="checkbox" name="include_deleted" checked={f.include_deleted} onChange={set('include_deleted')} /> tombstones</label>
        </form>
        {list.error && <p class="error">{list.error}</p>}
        <table data-testid="artifacts-list">
          <thead><tr><th>artifact</th><th>kind</th><th>owner</th><th>price</th><th>successes</th><th>status</th></tr></thead>
          <tbody>
            {items.map((a) => (
              <tr key={a.id} data-id={a.id} class={a.status === 'deleted' ? 'muted' : ''}>
                <td><a href={`#/artifacts/${encodeURIComponent(a.id)}`}>{a.name}</a> <code>{a.id}</code></td><td>{a.kind}</td><td>{a.owner_id}</td><td>{a.call_price}</td><td>{a.successes ?? 0}</td><td>{a.status}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </Card>
      {id !== undefined && <Detail id={id} />}
    </div>
  );
}

/** One owned artifact's row on its owner's page: what it earned comes from its info. */
function OwnedRow({ a }: { a: ArtifactEntry }) {
  const info = useLoad((signal) => api<ArtifactInfo>(`/artifacts/${encodeURIComponent(a.id)}/info`, { signal }), [a.id]);
  const usage = info.data?.usage;
  return (
    <tr data-id={a.id}>
      <td><a href={`#/artifacts/${encodeURIComponent(a.id)}`}>{a.name}</a> <code>{a.id}</code></td><td>{a.kind}</td><td>v{a.latest_version}</td><td>{a.call_price}</td>
      <td class="num">{usage?.calls ?? '…'}</td><td class="num">{usage?.successes ?? '…'}</td><td class="num">{usage === undefined ? '…' : `${usage.earned} cr`}</td>
    </tr>
  );
}

/** The artifacts an agent owns, for its page: calls, successes and what each earned it. */
export function AgentArtifacts({ id }: { id: string }) {
  const path = `/artifacts?${new URLSearchParams({ owner: id, limit: '50' }).toString()}`;
  const list = useLoad((signal) => api<DirectoryPage>(path, { signal }), [path]);
  const items = (list.data?.items ?? []).filter((e): e is ArtifactEntry => e.kind !== 'agent');
  return (
    <Card title="Artifacts it owns" wide>
      {list.error && <p class="error">{list.error}</p>}
      {items.length === 0 ? (
        <p class="muted">It owns no live artifact.</p>
      ) : (
        <table data-testid="agent-artifacts">
          <thead><tr><th>artifact</th><th>kind</th><th>version</th><th>price</th><th class="num">calls</th><th class="num">successes</th><th class="num">earned</th></tr></thead>
          <tbody>{items.map((a) => <OwnedRow key={a.id} a={a} />)}</tbody>
        </table>
      )}
    </Card>
  );
}
