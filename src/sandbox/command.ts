// How an agent starts, decided from its workspace: `agent.json` {"command": [...]}, else
// main.js with node, else main.py with python3. The command runs with the workspace as its
// working directory, so relative paths mean the same inside every runner.
//
// The workspace belongs to the agent and this runs on the host (as root, under bwrap):
// agent.json is read only through SafeDir (a small regular file, never through a link, never
// a FIFO), so an agent cannot make the host read /etc/shadow into an error message, or hang it.
import { z } from 'zod';
import { AgoraError } from '../base/errors.js';
import { SafeDir, UnsafeEntryError } from '../workspace/safe-dir.js';


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

export function resolveAgentCommand(workspace_dir: string, agent_json_bytes_max: number): AgentCommand {
  let root: SafeDir;
  try {
    root = SafeDir.openRoot(workspace_dir);
  } catch {
    return { ok: false, reason: 'no_workspace', why: `${workspace_dir} is not a directory` };
  }
  try {
    const manifest = readAgentJson(root, agent_json_bytes_max);
    if (manifest.kind === 'invalid') return { ok: false, reason: 'no_entrypoint', why: `agent.json: ${manifest.why}` };
    if (manifest.kind === 'ok' && manifest.command !== undefined) return { ok: true, command: manifest.command, source: 'agent.json' };
    if (root.lstat('main.js') !== null) return { ok: true, command: ['node', 'main.js'], source: 'main.js' };
    if (root.lstat('main.py') !== null) return { ok: true, command: [PYTHON_NAME, 'main.py'], source: 'main.py' };
    return { ok: false, reason: 'no_entrypoint', why: 'the workspace has no agent.json command, main.js or main.py' };
  } finally {
    root.close();
  }
}

type Manifest = { kind: 'absent' } | { kind: 'invalid'; why: string } | { kind: 'ok'; command: string[] | undefined };

function readAgentJson(root: SafeDir, agent_json_bytes_max: number): Manifest {
  let buf: Buffer | null;
  try {
    buf = root.readFile('agent.json', agent_json_bytes_max);
  } catch (err) {
    if (err instanceof UnsafeEntryError) return { kind: 'invalid', why: err.message.replace(/^agent\.json: /, '') };
    if (err instanceof AgoraError) return { kind: 'invalid', why: `is over ${agent_json_bytes_max} bytes` };
    return { kind: 'invalid', why: `cannot be read (${(err as NodeJS.ErrnoException).code})` };
  }
  if (buf === null) return { kind: 'absent' };
  let raw: unknown;
  try {
    raw = JSON.parse(buf.toString('utf8'));
  } catch (err) {
    return { kind: 'invalid', why: `not valid JSON (${(err as Error).message})` };
  }
  const parsed = agentJsonSchema.safeParse(raw);
  if (!parsed.success) return { kind: 'invalid', why: parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ') };
  return { kind: 'ok', command: parsed.data.command };
}
