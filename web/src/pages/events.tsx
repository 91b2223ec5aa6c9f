// The journal, live: every committed event as it happens, filtered by type and agent on the
// server, newest first; older pages on demand.
import { useEffect, useState } from 'preact/hooks';
import { api, query } from '../api.js';
import { time } from '../format.js';
import { openStream, type StreamState } from '../live.js';
import type { EventsPage, JournalEvent } from '../types.js';
import { AgentLink, Card, Empty, Loading } from './common.js';

const KEEP = 500;
/** How long typing in the agent filter pauses before the filter applies. */
const AGENT_FILTER_DEBOUNCE_MS = 400;

type Page = EventsPage;

/** One line of the event's data, without its postings (the ledger shows money). */
function summary(e: JournalEvent): string {
  const { postings: _postings, ...rest } = e.data as { postings?: unknown };
  return JSON.stringify(rest);
}

function EventRow({ e }: { e: JournalEvent }) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <tr onClick={() => setOpen(!open)} class="clickable">
        <td class="num">{e.seq}</td>
        <td>{time(e.at)}</td>
        <td>
          <span class={`tag ${e.type.split('_')[0]}`}>{e.type}</span>
        </td>
        <td>{e.actor.includes(':') || e.actor === 'operator' ? <span class="muted">{e.actor}</span> : <AgentLink id={e.actor} />}</td>
        <td class="data">
          <code>{summary(e)}</code>
        </td>
      </tr>
      {open && (
        <tr class="expanded">
          <td colSpan={5}>
            <pre class="json">{JSON.stringify(e, null, 2)}</pre>
          </td>
        </tr>
      )}
    </>
  );
}

function TypePicker({ known, selected, onChange }: { known: string[]; selected: string[]; onChange: (types: string[]) => void }) {
  return (
    <details class="picker">
      <summary>{selected.length === 0 ? 'all types' : `${selected.length} type${selected.length > 1 ? 's' : ''}`}</summary>
      <div class="picker-list">
        {known.map((t) => (
          <label>
            <input
              type="checkbox"
              checked={selected.includes(t)}
              onChange={(e) => onChange((e.target as HTMLInputElement).checked ? [...selected, t] : selected.filter((s) => s !== t))}
            />
            {t}
          </label>
        ))}
        {selected.length > 0 && (
          <button class="link" onClick={() => onChange([])}>
            clear
          </button>
        )}
      </div>
    </details>
  );
}

export function EventsPage() {
  const [types, setTypes] = useState<string[]>([]);
  const [agent, setAgent] = useState('');
  // What is typed lives in its own state, updated on every keystroke: bound to the filter itself
  // (set on change), each live event's re-render put the old value back under the cursor. The
  // filter follows the draft once typing pauses.
  const [draft, setDraft] = useState('');
  useEffect(() => {
    const timer = setTimeout(() => setAgent(draft), AGENT_FILTER_DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [draft]);
  const [events, setEvents] = useState<JournalEvent[] | null>(null);
  const [known, setKnown] = useState<string[]>([]);
  const [before, setBefore] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [paused, setPaused] = useState(false);
  const [state, setState] = useState<StreamState>('connecting');
  const filter = { types: types.join(','), agent: agent.trim() };

  // History first, then the live stream from the newest event seen: no gap, no duplicate.
  useEffect(() => {
    if (paused) return;
    let close: (() => void) | null = null;
    let cancelled = false;
    setEvents(null);
    api<Page>(`/operator/events${query({ ...filter, limit: 100 })}`).then(
      (page) => {
        if (cancelled) return;
        setKnown(page.known_types);
        setEvents(page.items);
        setBefore(page.next_before);
        const after = page.items[0]?.seq ?? (page.next_before === null ? 0 : page.next_before);
        close = openStream({
          types: types.length > 0 ? types : undefined,
          agent: filter.agent || undefined,
          after,
          onEvent: (e) => setEvents((list) => [e, ...(list ?? [])].slice(0, KEEP)),
          onState: setState,
        });
      },
      (err: Error) => setError(err.message),
    );
    return () => {
      cancelled = true;
      close?.();
    };
  }, [filter.types, filter.agent, paused]);

  const older = async () => {
    if (before === null) return;
    const page = await api<Page>(`/operator/events${query({ ...filter, before, limit: 100 })}`);
    setEvents((list) => [...(list ?? []), ...page.items]);
    setBefore(page.next_before);
  };

  return (
    <div class="page">
      <h1>Events</h1>
      <Card
        title="Journal"
        wide
        actions={
          <div class="filters">
            <TypePicker known={known} selected={types} onChange={setTypes} />
            <input
              placeholder="agent id"
              name="agent"
              data-testid="agent-filter"
              value={draft}
              onInput={(e) => setDraft((e.target as HTMLInputElement).value)}
              onKeyDown={(e) => e.key === 'Enter' && setAgent(draft)}
            />
            <button onClick={() => setPaused(!paused)}>{paused ? 'resume' : 'pause'}</button>
            <span class={`live ${paused ? 'paused' : state}`}>{paused ? 'paused' : state}</span>
          </div>
        }
      >
        {events === null ? (
          <Loading error={error} />
        ) : events.length === 0 ? (
          <Empty>No event matches.</Empty>
        ) : (
          <>
            <table class="events" data-testid="events">
              <thead>
                <tr>
                  <th class="num">seq</th>
                  <th>time</th>
                  <th>type</th>
                  <th>actor</th>
                  <th>data</th>
                </tr>
              </thead>
              <tbody>
                {events.map((e) => (
                  <EventRow key={e.seq} e={e} />
                ))}
              </tbody>
            </table>
            {before !== null && (
              <div class="pager">
                <button onClick={older}>older events</button>
              </div>
            )}
          </>
        )}
      </Card>
    </div>
  );
}
