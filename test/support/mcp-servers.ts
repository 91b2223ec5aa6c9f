// Hand-written stdio MCP servers for the tests: the host must hold against whatever one says.

/**
 * A raw stdio MCP server: it answers initialize properly, then `tools` for tools/list and
 * `call` (the body of an async handler, with `params` and `reply(result)` in scope) for
 * tools/call; `prelude` is code run once at start.
 */
export function rawMcpServer(tools: unknown, call: string, prelude = '', name = 'raw'): string {
  return `import * as fs from 'node:fs'; import * as net from 'node:net';
const send = (m) => process.stdout.write(JSON.stringify(m) + '\\n');
${prelude}
let buf = '';
process.stdin.on('data', async (d) => {
  buf += d; let i;
  while ((i = buf.indexOf('\\n')) >= 0) {
    const line = buf.slice(0, i); buf = buf.slice(i + 1);
    const m = JSON.parse(line);
    if (m.method === 'initialize') send({ jsonrpc: '2.0', id: m.id, result: { protocolVersion: m.params.protocolVersion, capabilities: { tools: {} }, serverInfo: { name: '${name}', version: '1' } } });
    else if (m.method === 'tools/list') send({ jsonrpc: '2.0', id: m.id, result: { tools: ${JSON.stringify(tools)} } });
    else if (m.method === 'tools/call') { const reply = (result) => send({ jsonrpc: '2.0', id: m.id, result }); const params = m.params; ${call} }
  }
});
`;
}
