// Reads agora.yaml (optional), applies the built-in defaults and validates the result.
// A bad value stops start-up with a message naming the key, never a stack trace.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { z } from 'zod';
import { configSchema, type Config } from './schema.js';

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

export function parseConfig(input: unknown, source = 'config'): Config {
  const result = configSchema.safeParse(input ?? {});
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
