// The environment an agent starts with. The caller (orchestrator) names the run (AGENT_ID,
// EXECUTION_ID, a token, ...); the runner owns the keys that describe the sandbox itself, and
// those always win, so a caller cannot point an agent at the wrong API or workspace by mistake.
import type { ValidRunSpec } from './runner.js';

/** Keys the runner sets; a caller's value for any of them is replaced. */
export const RUNNER_ENV_KEYS = ['PATH', 'HOME', 'TMPDIR', 'LANG', 'NODE_PATH', 'SYSTEM_SERVICE_URL', 'WORKSPACE_DIR', 'AGORA_CODE_DIR'] as const;

export interface SandboxEnvInput {
  workspace: string;
  api_url: string | null;
  path_dirs: string[];
  node_path: string | null;
  tmp_dir: string;
  /** Where the run's read-only code directory is, or null when it has none. */
  code_dir?: string | null;
}

export function sandboxEnv(spec: ValidRunSpec, inside: SandboxEnvInput): Record<string, string> {
  const env: Record<string, string> = {
    // Defaults a caller may override.
    ENV_JSON_PATH: `${inside.workspace}/env.json`,
    PYTHONUNBUFFERED: '1',
    ...spec.env,
    PATH: inside.path_dirs.join(':'),
    HOME: inside.workspace,
    TMPDIR: inside.tmp_dir,
    LANG: 'C.UTF-8',
    WORKSPACE_DIR: inside.workspace,
  };
  if (inside.node_path !== null) env.NODE_PATH = inside.node_path;
  else delete env.NODE_PATH;
  if (inside.code_dir !== undefined && inside.code_dir !== null) env.AGORA_CODE_DIR = inside.code_dir;
  else delete env.AGORA_CODE_DIR;
  if (inside.api_url !== null) env.SYSTEM_SERVICE_URL = inside.api_url;
  else delete env.SYSTEM_SERVICE_URL;
  if (spec.debug !== null) {
    const flag = `--inspect${spec.debug.break_on_start ? '-brk' : ''}=127.0.0.1:${spec.debug.inspect_port}`;
    env.NODE_OPTIONS = [env.NODE_OPTIONS, flag].filter((s) => s !== undefined && s !== '').join(' ');
  }
  return env;
}
