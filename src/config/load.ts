// Reads agora.yaml (optional), applies the built-in defaults and validates the result.
// A bad value stops start-up with a message naming the key, never a stack trace.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { z } from 'zod';
import { configSchema, configSections, sectionSchema, type Config, type SectionName } from './schema.js';

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

export function describeIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues
    .map((issue) => {
      const key = issue.path.length > 0 ? issue.path.join('.') : '(root)';
      if (issue.code === 'unrecognized_keys') {
        const keys = issue.keys.map((k) => (issue.path.length > 0 ? `${key}.${k}` : k));
        return `${keys.join(', ')}: unknown key`;
      }
      return `${key}: ${issue.message}`;
    })
    .join('; ');
}

// The defaults of every section (the config of an empty file), computed when the CLI is
// bundled (cli/bundle.ts defines this as their JSON): a bundled command then builds the
// schema only of the sections a config file sets. Undefined when running from src/.
declare const AGORA_BUILT_CONFIG_DEFAULTS: string | undefined;
const builtDefaults = typeof AGORA_BUILT_CONFIG_DEFAULTS === 'string' ? AGORA_BUILT_CONFIG_DEFAULTS : null;

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The config a section at a time: a section the input leaves out is its default, one it sets is
 * parsed by that section's schema alone. Null when there are no built defaults or anything is
 * wrong: then the whole schema parses, so an error reads exactly as it always has.
 */
function parseBySection(input: unknown): Config | null {
  if (builtDefaults === null || !isRecord(input) || Object.keys(input).some((key) => !Object.hasOwn(configSections, key))) return null;
  const defaults = JSON.parse(builtDefaults) as Record<string, unknown>;
  const config: Record<string, unknown> = {};
  for (const name of Object.keys(configSections) as SectionName[]) {
    if (input[name] === undefined) {
      if (defaults[name] === undefined) return null;
      config[name] = defaults[name];
      continue;
    }
    const parsed = sectionSchema(name).safeParse(input[name]);
    if (!parsed.success) return null;
    config[name] = parsed.data;
  }
  return config as Config;
}

export function parseConfig(input: unknown, source = 'config'): Config {
  const fast = parseBySection(input ?? {});
  if (fast !== null) return fast;
  const result = configSchema().safeParse(input ?? {});
  if (!result.success) throw new ConfigError(`${source}: ${describeIssues(result.error.issues)}`);
  return result.data;
}

// yaml is loaded only when there is a file to read: a world on the defaults never pays for it.
const require = createRequire(import.meta.url);
const parseYaml = (text: string): unknown => (require('yaml') as typeof import('yaml')).parse(text);

/** Loads `path` if given (it must exist), else `./agora.yaml` if present, else the defaults. */
export function loadConfig(path?: string, overlay?: (raw: unknown) => unknown): { config: Config; source: string } {
  const file = path ?? (existsSync('agora.yaml') ? 'agora.yaml' : undefined);
  const over = overlay ?? ((raw: unknown) => raw);
  if (file === undefined) return { config: parseConfig(over({}), 'defaults'), source: 'built-in defaults' };
  if (!existsSync(file)) throw new ConfigError(`config file not found: ${file}`);
  let raw: unknown;
  try {
    raw = parseYaml(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ConfigError(`${file}: not valid YAML: ${(err as Error).message}`);
  }
  return { config: parseConfig(over(raw), file), source: file };
}

/** The part of the config any agent may read: everything except where secrets could live. */
export function publicConfig(config: Config): Record<string, unknown> {
  const { log: _log, store: _store, ...rest } = config;
  return rest;
}
