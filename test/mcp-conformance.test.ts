// The official MCP conformance suite (@modelcontextprotocol/conformance, server scenarios)
// against a live Agora's /mcp, as its CLI runs them. The scenarios that cannot apply to Agora,
// and why, are in docs/mcp.md ("Conformance"); the list here is the one that applies.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { servedWorld } from './support/world.js';

const run = promisify(execFile);
const CLI = createRequire(import.meta.url).resolve('@modelcontextprotocol/conformance/dist/index.js');
// Node 20 lacks fs.globSync, which the CLI imports (for tier-check only): see the shim's comment.
const SHIM = new URL('./support/conformance-node20.mjs', import.meta.url).pathname;

/** docs/mcp.md lists these as the scenarios that apply; every other server scenario is an exception there. */
export const APPLICABLE = ['server-initialize', 'ping', 'tools-list', 'dns-rebinding-protection'] as const;

for (const scenario of APPLICABLE) {
  test(`conformance: ${scenario}`, async (t) => {
    const { api } = await servedWorld(t);
    // The suite's DNS-rebinding scenario needs a loopback *name* in the URL.
    const url = `http://localhost:${api.port}/mcp`;
    const out = mkdtempSync(join(tmpdir(), 'agora-conformance-'));
    t.after(() => rmSync(out, { recursive: true, force: true }));
    const result = await run(process.execPath, ['--import', SHIM, CLI, 'server', '--url', url, '--scenario', scenario, '-o', out], { encoding: 'utf8', timeout: 120_000 }).catch((err: { code: number; stdout: string; stderr: string }) => err);
    const checks = readdirSync(out, { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('checks.json'))
      .flatMap((f) => JSON.parse(readFileSync(join(out, f), 'utf8')) as { id: string; status: string; errorMessage?: string }[]);
    assert.ok(checks.length > 0, `the suite ran ${scenario}: ${result.stdout}\n${result.stderr}`);
    const failed = checks.filter((c) => c.status === 'FAILURE');
    assert.deepEqual(failed, [], `${scenario}: ${result.stdout}`);
    assert.ok(checks.some((c) => c.status === 'SUCCESS'), `${scenario} has passing checks`);
  });
}
