// How an agent starts, decided from its workspace: `agent.json` {"command": [...]}, else
// main.js with node, else main.py with python3. The command runs with the workspace as its
// working directory, so relative paths mean the same inside every runner.
//
// The workspace belongs to the agent and this runs on the host (as root, under bwrap):
// agent.json is read only if it is a small regular file, never through a symlink, so an
// agent cannot make the host read /etc/shadow into an error message.
import { closeSync, fstatSync, lstatSync, openSync, readSync, constants as fsConstants } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';

export const AGENT_JSON_BYTES_MAX = 65_536;

/** The interpreter name main.py runs with, looked up in the sandbox's PATH. */
export const PYTHON_NAME = 'python3';

export const agentJsonSchema = z
  .object({
    command: z
      .array(z.string().min(1).max(4096).refine((s) => !s.includes('\0'), 'no NUL bytes'))
      .min(1)
      .max(256)
      .optional()
      .describe('argv of the agent, run in /workspace; the program is looked up in PATH'),
  })
  .passthrough();

export type AgentCommand =
  | { ok: true; command: string[]; source: 'agent.json' | 'main.js' | 'main.py' }
  | { ok: false; reason: 'no_workspace' | 'no_entrypoint'; why: string };

export function resolveAgentCommand(workspace_dir: string): AgentCommand {
  try {
    if (!lstatSync(workspace_dir).isDirectory()) return { ok: false, reason: 'no_workspace', why: `${workspace_dir} is not a directory` };
  } catch {
    return { ok: false, reason: 'no_workspace', why: `${workspace_dir} does not exist` };
  }
  const manifest = readAgentJson(join(workspace_dir, 'agent.json'));
  if (manifest.kind === 'invalid') return { ok: false, reason: 'no_entrypoint', why: `agent.json: ${manifest.why}` };
  if (manifest.kind === 'ok' && manifest.command !== undefined) return { ok: true, command: manifest.command, source: 'agent.json' };
  if (exists(join(workspace_dir, 'main.js'))) return { ok: true, command: ['node', 'main.js'], source: 'main.js' };
  if (exists(join(workspace_dir, 'main.py'))) return { ok: true, command: [PYTHON_NAME, 'main.py'], source: 'main.py' };
  return { ok: false, reason: 'no_entrypoint', why: 'the workspace has no agent.json command, main.js or main.py' };
}

function exists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

type Manifest = { kind: 'absent' } | { kind: 'invalid'; why: string } | { kind: 'ok'; command: string[] | undefined };

function readAgentJson(path: string): Manifest {
  let fd: number;
  try {
    fd = openSync(path, fsConstants.O_RDONLY | fsConstants.O_NOFOLLOW | fsConstants.O_NONBLOCK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { kind: 'absent' };
    return { kind: 'invalid', why: code === 'ELOOP' ? 'is a symlink' : `cannot be read (${code})` };
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) return { kind: 'invalid', why: 'is not a regular file' };
    if (st.size > AGENT_JSON_BYTES_MAX) return { kind: 'invalid', why: `is ${st.size} bytes, over ${AGENT_JSON_BYTES_MAX}` };
    const buf = Buffer.alloc(st.size);
    const got = readSync(fd, buf, 0, st.size, 0);
    let raw: unknown;
    try {
      raw = JSON.parse(buf.subarray(0, got).toString('utf8'));
    } catch (err) {
      return { kind: 'invalid', why: `not valid JSON (${(err as Error).message})` };
    }
    const parsed = agentJsonSchema.safeParse(raw);
    if (!parsed.success) return { kind: 'invalid', why: parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ') };
    return { kind: 'ok', command: parsed.data.command };
  } finally {
    closeSync(fd);
  }
}
