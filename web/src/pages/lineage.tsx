// The lineage tree: who spawned whom. Collapsible, drawn lazily: children are rendered only
// when their parent is open, so a world of thousands of agents stays quick.
import { useMemo, useState } from 'preact/hooks';
import { api } from '../api.js';
import { useLoad } from '../hooks.js';
import { AgentLink, Loading, StatusDot } from './common.js';
import type { Lineage as LineageView } from '../types.js';

type Node = LineageView['nodes'][number];

function Branch({ node, children, depth }: { node: Node; children: Map<string, Node[]>; depth: number }) {
  const kids = children.get(node.id) ?? [];
  const [open, setOpen] = useState(depth < 2);
  return (
    <li>
      <span class="tree-node">
        {kids.length > 0 ? (
          <button class="toggle" onClick={() => setOpen(!open)} aria-label={open ? 'collapse' : 'expand'}>
            {open ? '▾' : '▸'}
          </button>
        ) : (
          <span class="toggle" />
        )}
        <StatusDot status={node.status} />
        <AgentLink id={node.id} />
        {kids.length > 0 && <span class="muted"> · {kids.length} children</span>}
      </span>
      {open && kids.length > 0 && (
        <ul>
          {kids.map((k) => (
            <Branch key={k.id} node={k} children={children} depth={depth + 1} />
          ))}
        </ul>
      )}
    </li>
  );
}

export function Lineage() {
  const { data, error } = useLoad((signal) => api<LineageView>('/operator/lineage', { signal }), [], { min_interval_ms: 5000 });
  const tree = useMemo(() => {
    const children = new Map<string, Node[]>();
    const roots: Node[] = [];
    const known = new Set(data?.nodes.map((n) => n.id));
    for (const node of data?.nodes ?? []) {
      // A parent beyond the answer's limit is shown as a root rather than lost.
      if (node.parent_id === null || !known.has(node.parent_id)) roots.push(node);
      else children.set(node.parent_id, [...(children.get(node.parent_id) ?? []), node]);
    }
    return { roots, children };
  }, [data]);
  if (data === null) return <Loading error={error} />;
  return (
    <div class="tree" data-testid="lineage">
      {data.total > data.nodes.length && <p class="muted">Showing the oldest {data.nodes.length} of {data.total} agents.</p>}
      <ul>
        {tree.roots.map((root) => (
          <Branch key={root.id} node={root} children={tree.children} depth={0} />
        ))}
      </ul>
    </div>
  );
}
