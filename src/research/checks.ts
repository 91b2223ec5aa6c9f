// Rule checks over a run's journal (the benchmark's functional scenarios): a check passes when
// events match its steps in order (or, `absent`, when none matches), and it says which events
// decided it, so a reader can look them up (agora history, the dashboard's events page).
import type { Check, CheckStep } from './scenario.js';

export interface JournalEvent {
  seq: number;
  type: string;
  actor: string;
  /** The cycle it happened in: the last cleared cycle at the time. */
  cycle: number;
  data: Record<string, unknown>;
}

export interface DecidingEvent {
  seq: number;
  type: string;
  actor: string;
  cycle: number;
}

export interface CheckResult {
  name: string;
  outcome: 'pass' | 'fail';
  why: string;
  events: DecidingEvent[];
}

function field(data: Record<string, unknown>, path: string): unknown {
  let at: unknown = data;
  for (const key of path.split('.')) {
    if (typeof at !== 'object' || at === null) return undefined;
    at = (at as Record<string, unknown>)[key];
  }
  return at;
}

type Operand = string | number | boolean | null | { ref: number; field: string };

function resolveOperand(value: Operand, matched: JournalEvent[]): unknown {
  if (typeof value === 'object' && value !== null) {
    const earlier = matched[value.ref];
    return earlier === undefined ? undefined : field(earlier.data, value.field);
  }
  return value;
}

function compare(actual: unknown, condition: unknown, matched: JournalEvent[]): boolean {
  if (typeof condition !== 'object' || condition === null || 'ref' in condition) return actual === resolveOperand(condition as Operand, matched);
  const ops = condition as Partial<Record<'eq' | 'ne' | 'lt' | 'lte' | 'gt' | 'gte', Operand>>;
  for (const [op, raw] of Object.entries(ops)) {
    const want = resolveOperand(raw as Operand, matched);
    if (op === 'eq' && actual !== want) return false;
    if (op === 'ne' && actual === want) return false;
    if (op === 'lt' || op === 'lte' || op === 'gt' || op === 'gte') {
      if (typeof actual !== 'number' || typeof want !== 'number') return false;
      if (op === 'lt' && !(actual < want)) return false;
      if (op === 'lte' && !(actual <= want)) return false;
      if (op === 'gt' && !(actual > want)) return false;
      if (op === 'gte' && !(actual >= want)) return false;
    }
  }
  return true;
}

export function stepMatches(step: CheckStep, event: JournalEvent, matched: JournalEvent[]): boolean {
  if (event.type !== step.type) return false;
  if (step.actor !== undefined && event.actor !== step.actor) return false;
  for (const [path, condition] of Object.entries(step.where)) if (!compare(field(event.data, path), condition, matched)) return false;
  if (step.chars_max !== undefined) {
    const text = field(event.data, step.chars_max.field);
    if (typeof text !== 'string' || [...text].length > step.chars_max.max) return false;
  }
  if (step.json_keys !== undefined) {
    const text = field(event.data, step.json_keys.field);
    if (typeof text !== 'string') return false;
    try {
      const parsed = JSON.parse(text) as unknown;
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return false;
      if (!step.json_keys.keys.every((k) => k in parsed)) return false;
    } catch {
      return false;
    }
  }
  return true;
}

const decide = (e: JournalEvent): DecidingEvent => ({ seq: e.seq, type: e.type, actor: e.actor, cycle: e.cycle });

/** Evaluates one check over the journal, oldest first. */
export function evaluateCheck(check: Check, events: readonly JournalEvent[]): CheckResult {
  const within = check.by_cycle === undefined ? events : events.filter((e) => e.cycle <= check.by_cycle!);
  const by = check.by_cycle === undefined ? '' : ` by cycle ${check.by_cycle}`;
  if (check.expect === 'absent') {
    const offending = within.filter((e) => stepMatches(check.steps[0]!, e, []));
    return offending.length === 0
      ? { name: check.name, outcome: 'pass', why: `no ${check.steps[0]!.type} event matched${by}`, events: [] }
      : { name: check.name, outcome: 'fail', why: `${offending.length} ${check.steps[0]!.type} event(s) matched${by}`, events: offending.slice(0, 10).map(decide) };
  }
  // Earliest match of each step after the previous step's, trying each start in turn, so that
  // a later first step whose follow-up exists still passes; a failure shows the longest partial match.
  const matchFrom = (start: number): JournalEvent[] => {
    const matched: JournalEvent[] = [within[start]!];
    let at = start + 1;
    for (const step of check.steps.slice(1)) {
      while (at < within.length && !stepMatches(step, within[at]!, matched)) at++;
      if (at >= within.length) break;
      matched.push(within[at]!);
      at++;
    }
    return matched;
  };
  let best: JournalEvent[] = [];
  for (let start = 0; start < within.length; start++) {
    if (!stepMatches(check.steps[0]!, within[start]!, [])) continue;
    const matched = matchFrom(start);
    if (matched.length === check.steps.length) return { name: check.name, outcome: 'pass', why: `matched ${check.steps.map((s) => s.type).join(' then ')}${by}`, events: matched.map(decide) };
    if (matched.length > best.length) best = matched;
  }
  const missing = check.steps[best.length]!;
  return {
    name: check.name,
    outcome: 'fail',
    why: best.length === 0 ? `no ${missing.type} event matched step 1${by}` : `steps 1-${best.length} matched; no ${missing.type} event matched step ${best.length + 1} after them${by}`,
    events: best.map(decide),
  };
}
