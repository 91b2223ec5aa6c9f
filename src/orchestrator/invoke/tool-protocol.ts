// The tool protocol (docs/artifacts.md, "Invoking"): how a code artifact, in any language the
// sandbox runs, receives one call and answers it.
//
//   in:  $AGORA_REQUEST_PATH (/workspace/request.json), written by the host before start:
//        {"tool": "...", "args": {...}, "call": {call_id, depth, payer_id, artifact_id, version, budget_ucr}}
//   out: $AGORA_RESULT_PATH (/workspace/result.json), written by the tool before it exits 0:
//        {"output": <anything the output schema allows>, "usage_ucr"?: <int, capped pricing only>}
//        or {"error": {"message": "..."}} for a failure the tool reports itself.
//
// A file, not stdout: stdout and stderr are the run's capped log, free for the tool's own
// diagnostics. The result is read after the sandbox is gone, through SafeDir (never through a
// link, bounded in bytes), because the scratch directory is the tool's and so hostile.
import { z } from 'zod';
import { AgoraError } from '../../base/errors.js';
import type { CallClaims } from '../../identity/call-tokens.js';
import { SafeDir, UnsafeEntryError, type Owner } from '../../workspace/safe-dir.js';

export const REQUEST_FILE = 'request.json';
export const RESULT_FILE = 'result.json';
const TOOL_MESSAGE_CHARS_MAX = 500;

export interface ToolRequest {
  tool: string;
  args: unknown;
  call: Omit<CallClaims, 'budget_ucr'> & { budget_ucr: number };
}

const resultSchema = z.union([
  z.strictObject({ output: z.unknown(), usage_ucr: z.number().int().min(0).optional() }),
  z.strictObject({ error: z.strictObject({ message: z.string() }).passthrough() }),
]);

export type ToolResult = { kind: 'output'; output: unknown; usage_ucr: number | null } | { kind: 'error'; message: string };

export function writeRequest(scratch: SafeDir, request: ToolRequest, bytes_max: number): void {
  const text = JSON.stringify(request);
  if (Buffer.byteLength(text) > bytes_max) throw new AgoraError('PAYLOAD_TOO_LARGE', `the call's request is ${Buffer.byteLength(text)} bytes, over invocation.request_bytes_max (${bytes_max})`);
  scratch.writeNewFile(REQUEST_FILE, text, { mode: 0o644, owner: null });
}

/** The tool's answer, or the AgoraError that fails the call (LIMIT, INVALID_OUTPUT, EXECUTION_ERROR). */
export function readResult(scratch: SafeDir, bytes_max: number, sandbox_owner: Owner | null): ToolResult {
  let buf: Buffer | null;
  try {
    buf = scratch.readFile(RESULT_FILE, bytes_max, sandbox_owner);
  } catch (err) {
    if (err instanceof UnsafeEntryError) throw new AgoraError('INVALID_OUTPUT', `the tool's ${RESULT_FILE} is not a regular file`);
    if (err instanceof AgoraError && err.code === 'PAYLOAD_TOO_LARGE') {
      throw new AgoraError('LIMIT', `the tool's ${RESULT_FILE} is over invocation.result_bytes_max (${bytes_max} bytes)`, { limit: 'result_bytes' });
    }
    throw new AgoraError('EXECUTION_ERROR', `the tool's ${RESULT_FILE} cannot be read`);
  }
  if (buf === null) throw new AgoraError('EXECUTION_ERROR', `the tool exited without writing ${RESULT_FILE}`);
  let raw: unknown;
  try {
    raw = JSON.parse(buf.toString('utf8'));
  } catch {
    throw new AgoraError('INVALID_OUTPUT', `the tool's ${RESULT_FILE} is not JSON`);
  }
  const parsed = resultSchema.safeParse(raw);
  if (!parsed.success) throw new AgoraError('INVALID_OUTPUT', `the tool's ${RESULT_FILE} is neither {"output": ...} nor {"error": {"message": ...}}`);
  if ('error' in parsed.data) return { kind: 'error', message: parsed.data.error.message.slice(0, TOOL_MESSAGE_CHARS_MAX) };
  return { kind: 'output', output: parsed.data.output, usage_ucr: parsed.data.usage_ucr ?? null };
}

/** argv that runs a bundle's entry file, by its extension (.js/.mjs/.cjs node, .py python3, .sh sh). */
export function entryCommand(code_dir_inside: string, entry: string): string[] {
  if (entry === '' || entry.startsWith('/') || entry.split('/').some((part) => part === '..' || part === '' || part === '.')) {
    throw new AgoraError('INVALID_ARGS', `the bundle's entry ${JSON.stringify(entry.slice(0, 100))} is not a relative path inside it`);
  }
  const path = `${code_dir_inside}/${entry}`;
  if (/\.(m|c)?js$/.test(entry)) return ['node', path];
  if (entry.endsWith('.py')) return ['python3', path];
  // Bundle files are stored read-only without the execute bit: a script runs through its shell.
  if (entry.endsWith('.sh')) return ['sh', path];
  return [path];
}
