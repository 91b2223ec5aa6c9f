// The genesis agent is an ordinary agent project (agents/genesis/, built to JavaScript at
// install). A new world starts with a copy of its runnable files in workspaces/genesis; from
// then on the copy is the agent's own, free to change itself.
import { copyFileSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** agents/genesis of this installation. */
export const GENESIS_PROJECT_DIR = fileURLToPath(new URL('../../agents/genesis/', import.meta.url));

/** What a run needs: the manifest and the built code (it writes its strategy.json from its defaults). Not its sources or node_modules. */
const RUNTIME_FILES = ['agent.json', 'README.md'];

export class GenesisNotBuiltError extends Error {}

export function installGenesisProject(workspace_dir: string, project_dir = GENESIS_PROJECT_DIR): void {
  const dist = join(project_dir, 'dist');
  if (!existsSync(join(dist, 'main.js'))) {
    throw new GenesisNotBuiltError(
      `the genesis agent is not built (${join(dist, 'main.js')} is missing); run \`npm install\` in the Agora directory (its postinstall builds agents/genesis), or \`npm install --prefix agents/genesis && npm run --prefix agents/genesis build\``,
    );
  }
  mkdirSync(join(workspace_dir, 'dist'), { recursive: true });
  for (const name of RUNTIME_FILES) {
    if (existsSync(join(project_dir, name))) copyFileSync(join(project_dir, name), join(workspace_dir, name));
  }
  for (const name of readdirSync(dist)) {
    if (name.endsWith('.js')) copyFileSync(join(dist, name), join(workspace_dir, 'dist', name));
  }
}
