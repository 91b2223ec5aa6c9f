// The relay that runs inside an mcp_server artifact's sandbox, in front of its entry: it joins
// the server's stdin and stdout to one connection of the per-call unix socket, whose other end
// is the host's MCP client (socket-transport.ts). It is written into the call's scratch
// directory, which the server can write: that gains it nothing, since the server is already
// the code that speaks on that connection and the host trusts none of it. When the host hangs
// up, the server is killed and the relay exits 0; stderr stays the run's capped log.
export const RELAY_FILE = '.agora-mcp-relay.mjs';

export const RELAY_SOURCE = `import { spawn } from 'node:child_process';
import { connect } from 'node:net';
const [command, ...args] = process.argv.slice(2);
const socket = connect(process.env.AGORA_MCP_SOCKET);
socket.on('error', () => process.exit(3));
socket.on('connect', () => {
  const server = spawn(command, args, { stdio: ['pipe', 'pipe', 'inherit'] });
  server.on('error', () => { socket.destroy(); process.exit(4); });
  server.stdin.on('error', () => {});
  socket.pipe(server.stdin);
  server.stdout.pipe(socket);
  server.on('exit', () => socket.end());
  socket.on('close', () => { server.kill('SIGKILL'); process.exit(0); });
});
`;
