// Generates docs/config.md and docs/events.md from the zod schemas, so the documentation
// cannot drift from the code (a test compares the committed files with this output).
import { z } from 'zod';
import { eventSchemas } from '../kernel/kernel.js';
import { configSchema } from '../config/schema.js';

interface JsonSchema {
  type?: string | string[];
  description?: string;
  default?: unknown;
  enum?: unknown[];
  minimum?: number;
  maximum?: number;
  properties?: Record<string, JsonSchema>;
  additionalProperties?: JsonSchema | boolean;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  required?: string[];
}

function typeOf(s: JsonSchema): string {
  if (s.enum) return s.enum.map((v) => JSON.stringify(v)).join(' \\| ');
  if (s.anyOf) return s.anyOf.map(typeOf).join(' \\| ');
  if (s.type === 'array') return `${s.items ? typeOf(s.items) : 'any'}[]`;
  if (s.type === 'object' && s.additionalProperties && typeof s.additionalProperties === 'object' && !s.properties) {
    return `map of ${typeOf(s.additionalProperties)}`;
  }
  const base = Array.isArray(s.type) ? s.type.join(' \\| ') : (s.type ?? 'any');
  // zod's integers carry the safe-integer bounds; they say nothing to a reader.
  const min = s.minimum === -Number.MAX_SAFE_INTEGER ? undefined : s.minimum;
  const max = s.maximum === Number.MAX_SAFE_INTEGER ? undefined : s.maximum;
  const range = min !== undefined || max !== undefined ? ` (${min ?? '…'} to ${max ?? '…'})` : '';
  return base + range;
}

function rows(schema: JsonSchema, prefix: string, out: string[]): void {
  for (const [key, prop] of Object.entries(schema.properties ?? {})) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (prop.type === 'object' && prop.properties && Object.keys(prop.properties).length > 0) {
      rows(prop, path, out);
      continue;
    }
    const value = prop.default === undefined ? '' : `\`${JSON.stringify(prop.default)}\``;
    out.push(`| \`${path}\` | ${typeOf(prop)} | ${value} | ${(prop.description ?? '').replace(/\|/g, '\\|').replace(/\n/g, ' ')} |`);
  }
}

export function configMarkdown(): string {
  const json = z.toJSONSchema(configSchema(), { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  const out = [
    '# Configuration',
    '',
    '<!-- Generated from src/config/schema.ts by `npm run docs`. Do not edit by hand. -->',
    '',
    'Agora reads `agora.yaml` from the working directory (or the file named by `--config` / `AGORA_CONFIG`).',
    'Every key is optional: what is not given takes the default below. Unknown keys and bad values stop',
    'start-up with a message naming the key. Credits are decimal credits (at most 6 decimals).',
    '',
  ];
  for (const [section, schema] of Object.entries(json.properties ?? {})) {
    out.push(`## \`${section}\``, '');
    if (schema.description) out.push(schema.description, '');
    out.push('| key | type | default | meaning |', '|---|---|---|---|');
    rows(schema, section, out);
    out.push('');
  }
  return out.join('\n');
}

export function eventsMarkdown(): string {
  const out = [
    '# Journal events',
    '',
    '<!-- Generated from the domain events (src/kernel/*/events.ts) by `npm run docs`. Do not edit by hand. -->',
    '',
    'Every change of world state is one of these events, appended to the journal (`events` table) in the',
    'same transaction as the change. Each event has the envelope `{seq, id, type, at, actor, correlation_id,',
    'causation_id, data}`; `data` has the fields below. Events that move money carry `postings`',
    '(`[{from, to, amount_ucr, kind, memo?}]`, integer micro-credits); the ledger applies them double-entry.',
    '',
  ];
  for (const [type, schema] of Object.entries(eventSchemas)) {
    const json = z.toJSONSchema(schema, { unrepresentable: 'any' }) as JsonSchema;
    out.push(`## \`${type}\``, '', json.description ?? '', '', '| field | type | meaning |', '|---|---|---|');
    for (const [key, prop] of Object.entries(json.properties ?? {})) {
      out.push(`| \`${key}\` | ${typeOf(prop)} | ${(prop.description ?? '').replace(/\|/g, '\\|')} |`);
    }
    out.push('');
  }
  return out.join('\n');
}
