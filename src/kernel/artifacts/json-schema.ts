// JSON Schema for artifact tools: one Ajv (draft 2020-12, with ajv-formats) for the whole
// process. Publish checks each tool's input and output schema is itself a valid schema that
// compiles; the invoker validates a call's args and its output with `validatorFor`.
// No remote references are ever fetched (Ajv has no loader here), and schemas are bounded in
// size by artifacts.schema_bytes_max before they reach Ajv.
import { createRequire } from 'node:module';
import type { Ajv2020, ValidateFunction } from 'ajv/dist/2020.js';
import type addFormatsModule from 'ajv-formats';
import { AgoraError } from '../../base/errors.js';
import { sha256 } from '../../store/artifact-bytes.js';

// Loaded and built on first use, not at import: every world opens this module (the kernel holds
// the artifacts), and Ajv's code, meta-schemas and formats cost a short CLI command ~0.1 s it
// never needs (required, so the CLI's bundle does not carry Ajv's 200 KB into every command).
const require = createRequire(import.meta.url);
let instance: Ajv2020 | null = null;
function ajvInstance(): Ajv2020 {
  if (instance === null) {
    const { Ajv2020: Ajv } = require('ajv/dist/2020.js') as typeof import('ajv/dist/2020.js');
    const addFormats = require('ajv-formats') as typeof addFormatsModule;
    // allowUnionTypes: `type: ["boolean", "string"]` is plain JSON Schema, and MCP servers (sequential thinking) list it.
    instance = new Ajv({ strict: true, allowUnionTypes: true, allErrors: false, validateFormats: true });
    addFormats.default(instance);
  }
  return instance;
}

/** Compiled validators by the sha256 of their schema's JSON (the same schema compiles once). */
const compiled = new Map<string, ValidateFunction>();
const COMPILED_MAX = 10_000;

export interface SchemaProblem {
  path: string;
  message: string;
}

function problems(errors: ValidateFunction['errors']): SchemaProblem[] {
  return (errors ?? []).slice(0, 10).map((e) => ({ path: e.instancePath || '/', message: e.message ?? 'invalid' }));
}

/** Checks `schema` is a JSON Schema Ajv accepts and compiles, within `bytes_max`; INVALID_ARGS if not. */
export function checkSchema(schema: unknown, field: string, bytes_max: number): void {
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) {
    throw new AgoraError('INVALID_ARGS', `${field} must be a JSON Schema object`, { field });
  }
  const text = JSON.stringify(schema);
  if (Buffer.byteLength(text) > bytes_max) throw new AgoraError('INVALID_ARGS', `${field} is larger than ${bytes_max} bytes (artifacts.schema_bytes_max)`, { field, bytes_max });
  validatorFor(schema, field);
}

/** The compiled validator of a schema (cached by content); INVALID_ARGS if it is no valid schema. */
export function validatorFor(schema: object, field = 'schema'): ValidateFunction {
  const key = sha256(JSON.stringify(schema));
  const cached = compiled.get(key);
  if (cached !== undefined) return cached;
  const ajv = ajvInstance();
  let valid: boolean;
  try {
    valid = ajv.validateSchema(schema) as boolean;
  } catch {
    // A $schema naming a dialect Ajv does not hold (draft-07, say) throws rather than failing.
    throw new AgoraError('INVALID_ARGS', `${field} names a $schema other than JSON Schema 2020-12`, { field });
  }
  if (!valid) {
    throw new AgoraError('INVALID_ARGS', `${field} is not a valid JSON Schema: ${ajv.errorsText(ajv.errors)}`, { field, problems: problems(ajv.errors) });
  }
  let validate: ValidateFunction;
  try {
    // A schema with an $id would be registered globally and refused the second time: compile
    // a copy without it (ids name nothing here; there is no remote loading).
    const { $id: _id, ...rest } = schema as Record<string, unknown>;
    void _id;
    validate = ajv.compile(rest);
  } catch (err) {
    throw new AgoraError('INVALID_ARGS', `${field} does not compile: ${(err as Error).message}`, { field });
  }
  if (compiled.size >= COMPILED_MAX) compiled.clear();
  compiled.set(key, validate);
  return validate;
}

/** Validates `value` against `schema`: `{ ok: true }` or the first problems found. */
export function validateAgainst(schema: object, value: unknown): { ok: true } | { ok: false; problems: SchemaProblem[] } {
  const validate = validatorFor(schema);
  if (validate(value)) return { ok: true };
  return { ok: false, problems: problems(validate.errors) };
}
