// Debugging a sandboxed agent without weakening the sandbox. The agent's node listens for
// the inspector on 127.0.0.1:<port> inside its own network namespace, which the host cannot
// reach. agora-init relays a unix socket in a per-run directory (bound in read-write) to that
// port, and this bridge listens on the host's 127.0.0.1:<port> and relays to the socket. The
// same port number on both sides keeps the inspector's advertised URLs valid.
import net from 'node:net';
import type { Logger } from 'pino';
import { AgoraError } from '../kernel/errors.js';

export interface InspectorBridge {
  close(): Promise<void>;
}

export async function openInspectorBridge(port: number, socket_path: string, log: Logger): Promise<InspectorBridge> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(socket_path);
    sockets.add(client).add(upstream);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(new AgoraError('CONFLICT', `debug port ${port} is not free on the host: ${err.code ?? err.message}`)),
    );
    server.listen({ host: '127.0.0.1', port }, resolve);
  });
  log.warn({ port }, `debug run: inspector of the agent reachable at 127.0.0.1:${port} (chrome://inspect, or node inspect 127.0.0.1:${port})`);
  return {
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
