// Config changes given as `key=value` (`agora fork --set social.message_cost=0.5`): each value is
// read as YAML (a number, a boolean, a string, a list), set at its dotted key over the config
// file's own values, and the whole config is validated as usual. A fork keeps its changes in
// <world>/overrides.yaml, applied over whatever config file starts it.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { ConfigError } from './load.js';

// yaml is loaded only when there are overrides to read: every CLI command that opens a world
// imports this module, and most worlds have none.
const require = createRequire(import.meta.url);
const parseYaml = (text: string): unknown => (require('yaml') as typeof import('yaml')).parse(text);

export const OVERRIDES_FILE = 'overrides.yaml';

export type Overrides = Record<string, unknown>;

/** `a.b=value` into a dotted key and its value. */
export function parseSetting(setting: string): [string, unknown] {
  const at = setting.indexOf('=');
  const key = at < 0 ? '' : setting.slice(0, at).trim();
  if (!/^[a-z_][a-z0-9_]*(\.[a-z0-9_-]+)*$/i.test(key)) throw new ConfigError(`--set ${setting}: expected key=value with a dotted config key`);
  let value: unknown;
  try {
    value = parseYaml(setting.slice(at + 1));
  } catch (err) {
    throw new ConfigError(`--set ${setting}: not a valid value: ${(err as Error).message}`);
  }
  return [key, value];
}

/** The raw config with each dotted key set (objects along the way made or kept). */
export function applyOverrides(raw: unknown, overrides: Overrides): Record<string, unknown> {
  const root: Record<string, unknown> = structuredClone((raw ?? {}) as Record<string, unknown>);
  for (const [key, value] of Object.entries(overrides)) {
    const parts = key.split('.');
    let node = root;
    for (const part of parts.slice(0, -1)) {
      const next = node[part];
      if (next === null || typeof next !== 'object' || Array.isArray(next)) node[part] = {};
      node = node[part] as Record<string, unknown>;
    }
    node[parts[parts.length - 1]!] = value;
  }
  return root;
}

/**
 * A nested map of config values (a scenario's `config:`) as dotted keys, one per leaf (lists
 * are leaves): the shape a fork keeps its changes in.
 */
export function flattenOverrides(doc: Record<string, unknown>, prefix = ''): Overrides {
  const out: Overrides = {};
  for (const [k, v] of Object.entries(doc)) {
    const key = prefix === '' ? k : `${prefix}.${k}`;
    if (v !== null && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length > 0) Object.assign(out, flattenOverrides(v as Record<string, unknown>, key));
    else out[key] = v;
  }
  return out;
}

/** A world's own overrides (a fork's), or none. */
export function readWorldOverrides(world_dir: string): Overrides {
  const file = join(world_dir, OVERRIDES_FILE);
  if (!existsSync(file)) return {};
  const parsed: unknown = parseYaml(readFileSync(file, 'utf8'));
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new ConfigError(`${file}: expected a map of dotted keys to values`);
  return parsed as Overrides;
}
