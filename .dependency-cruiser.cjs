// The layers of src/, one way (docs/architecture.md draws them). A part may import itself and
// the parts listed for it, nothing else in src/; no import circle anywhere (type-only imports
// count too). `npm test` runs this after the typecheck; a back-arrow fails it.
/** part -> the parts it may import (besides itself), lowest first. */
const layers = {
  base: [],
  config: ['base'],
  log: ['base', 'config'],
  store: ['base', 'config'],
  'kernel/engine': ['base', 'config', 'store'],
  kernel: ['base', 'config', 'store', 'kernel/engine'],
  workspace: ['base', 'config'],
  identity: ['base', 'config'],
  dashboard: ['base', 'config'],
  sandbox: ['base', 'config', 'log', 'workspace'],
  llm: ['base', 'config', 'log', 'kernel', 'kernel/engine'],
  telemetry: ['base', 'config', 'log', 'kernel', 'kernel/engine'],
  // NATS JetStream (docs/deploy.md): the event stream reads the journal through the kernel's shape, never imports it; a runner host is a runner (sandbox) with workspaces synced (workspace).
  nats: ['base', 'config', 'log', 'store', 'workspace', 'sandbox'],
  api: ['base', 'config', 'log', 'store', 'kernel', 'kernel/engine', 'workspace', 'identity', 'dashboard', 'llm'],
  orchestrator: ['base', 'config', 'log', 'store', 'kernel', 'kernel/engine', 'workspace', 'identity', 'sandbox', 'llm'],
  // The researcher's bench (scenarios, experiments): composes worlds as the CLI does.
  research: ['base', 'config', 'log', 'store', 'kernel', 'kernel/engine', 'workspace', 'identity', 'sandbox', 'llm', 'api', 'orchestrator'],
  cli: ['base', 'config', 'log', 'store', 'kernel', 'kernel/engine', 'workspace', 'identity', 'dashboard', 'sandbox', 'llm', 'api', 'orchestrator', 'telemetry', 'research', 'nats'],
  docs: ['base', 'config', 'log', 'store', 'kernel', 'kernel/engine', 'workspace', 'identity', 'sandbox', 'llm', 'api', 'orchestrator', 'telemetry'],
};

/** The path of a part: kernel/ is the domains and kernel.ts, kernel/engine/ the engine alone. */
const pathOf = (part) => (part === 'kernel' ? '^src/kernel/(?!engine/)' : `^src/${part}/`);

/** Interfaces a lower part declares and a higher one implements: the API implements the launcher's port. */
const ports = { api: ['^src/orchestrator/ports\\.ts$'] };

const layerRules = Object.entries(layers).map(([part, allowed]) => ({
  name: `layer-${part.replace('/', '-')}`,
  comment: `src/${part} may import only ${allowed.length === 0 ? 'nothing else in src/' : allowed.map((p) => `src/${p}`).join(', ')}`,
  severity: 'error',
  from: { path: pathOf(part) },
  to: { path: '^src/', pathNot: [...[part, ...allowed].map(pathOf), ...(ports[part] ?? [])] },
}));

module.exports = {
  forbidden: [
    ...layerRules,
    {
      name: 'no-circular',
      comment: 'No import circles: split the shared part into a file both sides import.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'not-to-unresolvable',
      comment: 'Every import resolves (a moved file leaves no dangling import).',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    // Packages with an exports map (the MCP SDK's `./*` subpaths) resolve as Node resolves them.
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
};
