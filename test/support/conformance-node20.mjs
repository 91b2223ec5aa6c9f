// The conformance suite's CLI imports fs.globSync, which Node 22 added; this project runs on
// Node 20. Only its `tier-check` command calls it (never the server scenarios), so for the
// suite's own file the specifier 'fs' resolves to a module that is node:fs plus a globSync that
// refuses to run. Loaded with `node --import` in front of the suite's CLI (test/mcp-conformance.test.ts).
import { register } from 'node:module';

register(
  'data:text/javascript,' +
    encodeURIComponent(`
const SHIM = 'data:text/javascript,' + encodeURIComponent("export * from 'node:fs'; export { default } from 'node:fs'; export function globSync() { throw new Error('fs.globSync needs Node 22 (conformance tier-check only)'); }");
export async function resolve(specifier, context, next) {
  if ((specifier === 'fs' || specifier === 'node:fs') && context.parentURL && context.parentURL.includes('@modelcontextprotocol/conformance/')) return { url: SHIM, shortCircuit: true };
  return next(specifier, context);
}`),
);
