// A scenario file (docs/research.md): a world declared in YAML. Config overrides, seed, the
// agent projects with how many of each and their credits, duration in cycles, the KPIs to
// collect, and, for the benchmark, rule checks over the journal and judged criteria. A bad
// file is refused with a message naming the key.
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { ConfigError, describeIssues, parseConfig } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { KPI_NAMES } from '../kernel/kpis/definitions.js';
import type { AddAgentsService } from '../kernel/operator-agents/add-service.js';

const scalar = z.union([z.string(), z.number(), z.boolean(), z.null()]);
/** A value taken from an earlier step's event: `{ ref: 0, field: agent_id }`. */
const reference = z.strictObject({ ref: z.number().int().min(0), field: z.string().min(1) });
const operand = z.union([scalar, reference]);
const comparison = z.union([
  scalar,
  reference,
  z.strictObject({ eq: operand.optional(), ne: operand.optional(), lt: operand.optional(), lte: operand.optional(), gt: operand.optional(), gte: operand.optional() }),
]);

const stepSchema = z.strictObject({
  type: z.string().min(1).describe('Event type (docs/events.md)'),
  actor: z.string().min(1).optional().describe('Who caused it: an agent id, operator, system:...'),
  where: z.record(z.string(), comparison).default({}).describe("Conditions on the event's data fields (dotted paths)"),
  chars_max: z.strictObject({ field: z.string().min(1), max: z.number().int().min(0) }).optional().describe('A text field no longer than this'),
  json_keys: z.strictObject({ field: z.string().min(1), keys: z.array(z.string().min(1)).min(1) }).optional().describe('A text field that parses as a JSON object with these keys'),
});
export type CheckStep = z.infer<typeof stepSchema>;

const checkSchema = z.strictObject({
  name: z.string().min(1),
  description: z.string().default(''),
  expect: z.enum(['sequence', 'absent']).default('sequence').describe('sequence: events matching each step, in order; absent: no event matches the first step'),
  steps: z.array(stepSchema).min(1).max(10),
  by_cycle: z.number().int().min(1).optional().describe('The events must happen by this cycle'),
});
export type Check = z.infer<typeof checkSchema>;

const judgedSchema = z.strictObject({
  name: z.string().min(1),
  situation: z.string().min(1).describe('What the agent faces, as the judge is told'),
  criteria: z.array(z.string().min(1)).min(1).describe('Each scored 1-5 by the judge'),
  pass_mean: z.number().min(1).max(5).default(3),
  agent: z.string().min(1).default('genesis').describe('Whose journal events the judge reads'),
});
export type Judged = z.infer<typeof judgedSchema>;

export const scenarioSchema = z.strictObject({
  name: z.string().min(1).max(100).regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'letters, digits, _ . - (it names result files)'),
  description: z.string().default(''),
  seed: z.number().int().min(0).max(2 ** 31).default(1).describe('Seed of the first run; run i of an experiment has seed + i'),
  cycles: z.number().int().min(1).describe('Duration of a run'),
  clock: z.enum(['simulated', 'real']).default('simulated'),
  config: z.record(z.string(), z.unknown()).default({}).describe('Overrides of agora.yaml (docs/config.md)'),
  agents: z
    .array(
      z.strictObject({
        project: z.string().min(1).describe('An agent project directory, relative to the scenario file'),
        name: z.string().min(1).optional(),
        count: z.number().int().min(1).default(1),
        credits: z.number().positive().optional(),
      }),
    )
    .default([]),
  measures: z.array(z.string().min(1)).default([]).describe('KPIs to collect (docs/kpis.md); empty = all'),
  checks: z.array(checkSchema).default([]),
  judged: z.array(judgedSchema).default([]),
  improvement: z
    .strictObject({ measures: z.array(z.enum(['lifespan_cycles', 'executions', 'earned', 'spent', 'children'])).min(1) })
    .optional()
    .describe('Per-agent measures compared between generations'),
});
export type Scenario = z.infer<typeof scenarioSchema>;

export class ScenarioError extends ConfigError {}

export interface LoadedScenario {
  scenario: Scenario;
  /** The file, absolute; agent projects are relative to its directory. */
  file: string;
  /** The raw document (variants are made by editing it, then re-validating). */
  raw: Record<string, unknown>;
  config: Config;
}

/** Validates a raw scenario document; every error names the key. */
export function validateScenario(raw: unknown, file: string, base_config: Record<string, unknown> = {}): LoadedScenario {
  const result = scenarioSchema.safeParse(raw ?? {});
  if (!result.success) throw new ScenarioError(`${file}: ${describeIssues(result.error.issues)}`);
  const scenario = result.data;
  const unknown = scenario.measures.filter((m) => !KPI_NAMES.includes(m));
  if (unknown.length > 0) throw new ScenarioError(`${file}: measures: unknown KPI ${unknown.join(', ')} (docs/kpis.md lists them: ${KPI_NAMES.join(', ')})`);
  let config: Config;
  try {
    config = parseConfig(deepMerge(base_config, scenario.config), `${file}: config`);
  } catch (err) {
    if (err instanceof ConfigError) throw new ScenarioError(err.message.replace(`${file}: config: `, `${file}: config.`));
    throw err;
  }
  return { scenario, file: resolve(file), raw: raw as Record<string, unknown>, config };
}

export function loadScenario(file: string, base_config: Record<string, unknown> = {}): LoadedScenario {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new ScenarioError(`scenario file not found: ${file}`);
  }
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (err) {
    throw new ScenarioError(`${file}: not valid YAML: ${(err as Error).message}`);
  }
  return validateScenario(raw, file, base_config);
}

/** The scenario with its cycle count replaced (`--cycles`), validated as a file saying so would be. */
export function withCycles(loaded: LoadedScenario, cycles: number, base_config: Record<string, unknown> = {}): LoadedScenario {
  return { ...validateScenario({ ...loaded.raw, cycles }, `${loaded.file} (--cycles ${cycles})`, base_config), file: loaded.file };
}

export function projectDir(loaded: LoadedScenario, project: string): string {
  return isAbsolute(project) ? project : resolve(dirname(loaded.file), project);
}

export function deepMerge(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const prev = out[k];
    out[k] = isPlainObject(prev) && isPlainObject(v) ? deepMerge(prev, v) : v;
  }
  return out;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Sets a dotted path in a copy of `doc` (numbers index arrays): a variant of a scenario. */
export function setPath(doc: Record<string, unknown>, path: string, value: unknown): Record<string, unknown> {
  const keys = path.split('.');
  const root = structuredClone(doc);
  let at: Record<string, unknown> | unknown[] = root;
  keys.forEach((key, i) => {
    const last = i === keys.length - 1;
    const container = at as Record<string, unknown>;
    if (last) {
      container[key] = value;
      return;
    }
    if (typeof container[key] !== 'object' || container[key] === null) container[key] = /^\d+$/.test(keys[i + 1]!) ? [] : {};
    at = container[key] as Record<string, unknown>;
  });
  return root;
}

/** Adds a scenario's agents to a new world, as the operator would with agora add. */
export async function addScenarioAgents(world: { addAgents: AddAgentsService }, loaded: LoadedScenario): Promise<void> {
  for (const spec of loaded.scenario.agents) {
    await world.addAgents({ dir: projectDir(loaded, spec.project), count: spec.count, ...(spec.name === undefined ? {} : { name: spec.name }), ...(spec.credits === undefined ? {} : { credits: spec.credits }) }, { actor: 'operator' });
  }
}
