// What MCP adds to an API call: the same route (GET /economic/balance/:agent_id, an agent
// reading its own balance with its bearer token) over plain HTTP and as the MCP tool `balance`
// over /mcp (one stateless JSON-RPC POST: a pooled SDK server and a fresh transport, then the
// route injected in-process as the caller). Interleaved in one run so drift cancels; both over
// one kept-alive loopback connection. Target: the median MCP call at most 2 ms above the median
// HTTP call. The process's CPU per call (client and server, same process) is reported beside
// it: on a loaded machine wall times stretch with the load, CPU much less.
import http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../src/config/load.js';
import { startApi } from '../src/api/start.js';
import { SYSTEM_MINT } from '../src/kernel/ledger/accounts.js';
import { openWorld } from '../src/orchestrator/open-world.js';
import type { BenchRow } from './types.js';

const RUNS = 400;
const WARMUP = 50;
const TARGET_MS = 2;

// node:http with one kept-alive socket and the body in the same write as the headers: fetch
// (undici) sends a POST body in a second write, which on loopback under load costs tens of
// milliseconds (delayed ACK) and would measure the client, not the server.
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
function send(url: string, method: string, path: string, headers: Record<string, string>, body?: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: hostname, port, path, method, headers: body === undefined ? headers : { ...headers, 'content-length': String(Buffer.byteLength(body)) }, agent }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve(text));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
};

export default async function mcpBench(): Promise<BenchRow[]> {
  const dir = mkdtempSync(join(tmpdir(), 'agora-bench-mcp-'));
  const world = openWorld({ dir, config: parseConfig({ log: { requests: false } }), create: true, log_to_file: false });
  // Funded as genesis is: minted at birth.
  world.kernel.core.command({ actor: 'bench' }, (tx) =>
    world.kernel.agents.create(tx, { agent_id: 'bench', parent_id: null, workspace: 'workspaces/bench', postings: [{ from: SYSTEM_MINT, to: 'bench', amount_ucr: 100_000_000, kind: 'grant', memo: 'bench' }] }),
  );
  const api = await startApi(world, { port: 0, host: '127.0.0.1' });
  const token = world.signer.mint({ agent_id: 'bench', execution_id: null, expires_world_ms: world.kernel.clock.now_ms() + 3_600_000 });
  const headers = { authorization: `Bearer ${token}` };
  const mcpHeaders = { ...headers, accept: 'application/json, text/event-stream', 'content-type': 'application/json', 'mcp-protocol-version': '2025-11-25' };
  const call = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'balance', arguments: { agent_id: 'bench' } } });
  const http_ms: number[] = [];
  const mcp_ms: number[] = [];
  const http_cpu_ms: number[] = [];
  const mcp_cpu_ms: number[] = [];
  const cpuSince = (c: NodeJS.CpuUsage) => {
    const d = process.cpuUsage(c);
    return (d.user + d.system) / 1000;
  };
  try {
    for (let i = 0; i < WARMUP + RUNS; i++) {
      let c0 = process.cpuUsage();
      let t0 = performance.now();
      JSON.parse(await send(api.url, 'GET', '/economic/balance/bench', headers));
      const dh = performance.now() - t0;
      const ch = cpuSince(c0);
      c0 = process.cpuUsage();
      t0 = performance.now();
      const answer = JSON.parse(await send(api.url, 'POST', '/mcp', mcpHeaders, call)) as { result?: { isError: boolean } };
      const dm = performance.now() - t0;
      const cm = cpuSince(c0);
      if (answer.result?.isError !== false) throw new Error(`the MCP call failed: ${JSON.stringify(answer)}`);
      if (i >= WARMUP) {
        http_ms.push(dh);
        mcp_ms.push(dm);
        http_cpu_ms.push(ch);
        mcp_cpu_ms.push(cm);
      }
    }
  } finally {
    agent.destroy();
    await api.close();
    world.close();
    rmSync(dir, { recursive: true, force: true });
  }
  const added = median(mcp_ms) - median(http_ms);
  return [
    { name: 'HTTP GET /economic/balance p50', value: median(http_ms), unit: 'ms' },
    { name: 'MCP tools/call balance p50', value: median(mcp_ms), unit: 'ms' },
    { name: 'MCP added latency over the same HTTP route (p50 difference)', value: added, unit: 'ms', target: `<= ${TARGET_MS}`, ok: added <= TARGET_MS, note: `${RUNS} interleaved pairs; load average ${loadavg()[0]!.toFixed(1)} on ${cpus().length} cores` },
    { name: 'MCP added CPU per call over the same HTTP route (p50 difference)', value: median(mcp_cpu_ms) - median(http_cpu_ms), unit: 'ms', note: `process CPU, client and server; HTTP p50 ${median(http_cpu_ms).toFixed(2)} ms` },
  ];
}
