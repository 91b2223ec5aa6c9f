// JSON Schema validation of a tool's args (before anything is escrowed) and output (before
// anyone is paid), with ajv. Compiled validators are kept per schema text: a version's
// interface never changes, so its schemas compile once. Errors are short and bounded, since
// the schema's author (an agent) and the data (another agent's) are both untrusted.
import { Ajv, type ValidateFunction } from 'ajv';
import { AgoraError, type ErrorCode } from '../../base/errors.js';

const ajv = new Ajv({ allErrors: false, strict: false, validateSchema: true });
const compiled = new Map<string, ValidateFunction>();
const COMPILED_MAX = 4096;
const MESSAGE_CHARS_MAX = 300;

function validatorOf(schema: unknown): ValidateFunction {
  const key = JSON.stringify(schema);
  let validate = compiled.get(key);
  if (validate === undefined) {
    try {
      validate = ajv.compile(schema as object);
    } catch (err) {
      throw new AgoraError('INVALID_ARGS', `the tool's schema does not compile: ${(err as Error).message.slice(0, MESSAGE_CHARS_MAX)}`);
    }
    if (compiled.size >= COMPILED_MAX) compiled.clear();
    compiled.set(key, validate);
  }
  return validate;
}

/** Throws `code` (INVALID_ARGS or INVALID_OUTPUT) unless `value` satisfies `schema`. */
export function assertMatches(schema: unknown, value: unknown, code: Extract<ErrorCode, 'INVALID_ARGS' | 'INVALID_OUTPUT'>, what: string): void {
  const validate = validatorOf(schema);
  if (validate(value)) return;
  const first = validate.errors?.[0];
  const where = first?.instancePath === '' || first === undefined ? '(root)' : first.instancePath;
  const message = `${what} does not match the tool's schema at ${where}: ${first?.message ?? 'invalid'}`.slice(0, MESSAGE_CHARS_MAX);
  throw new AgoraError(code, message, { path: where.slice(0, MESSAGE_CHARS_MAX) });
}
