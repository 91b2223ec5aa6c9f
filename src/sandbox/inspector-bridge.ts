// Debugging a sandboxed agent without weakening the sandbox. The agent's node listens for
// the inspector on 127.0.0.1:<port> inside its own network namespace, which the host cannot
// reach. agora-init relays a unix socket in a per-run directory (bound in read-write) to that
// port, and this bridge listens on the host's 127.0.0.1:<port> and relays to the socket. The
// same port number on both sides keeps the inspector's advertised URLs valid.
//
// The per-run directory is the agent's to write, so the socket's name there may be swapped
// for a link to any socket of the host (connect() follows links). The bridge never connects
// by that name: it opens the entry itself (O_PATH|O_NOFOLLOW, beneath the directory's
// descriptor), checks that it is a socket, and connects through that descriptor.
import { closeSync, constants, fstatSync, openSync } from 'node:fs';
import net from 'node:net';
import { basename, dirname } from 'node:path';
import type { Logger } from 'pino';
import { AgoraError } from '../base/errors.js';

export interface InspectorBridge {
  close(): Promise<void>;
}

export async function openInspectorBridge(port: number, socket_path: string, log: Logger): Promise<InspectorBridge> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const fd = openSocketEntry(socket_path);
    if (fd === null) {
      client.destroy();
      return;
    }
    const upstream = net.connect(`/proc/self/fd/${fd}`);
    // The path handle is needed only until connect() has resolved it; closed exactly once.
    let fd_open = true;
    const release = () => {
      if (fd_open) closeSync(fd);
      fd_open = false;
    };
    upstream.once('connect', release).once('close', release);
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

/** Linux's O_PATH (not in node's constants): a handle on the entry itself, for fstat and /proc/self/fd. */
const O_PATH = 0o10000000;

/** The socket at `path` as a descriptor, or null when the entry there is not a socket (a link, a file). */
function openSocketEntry(path: string): number | null {
  let dir: number;
  try {
    dir = openSync(dirname(path), constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW);
  } catch {
    return null;
  }
  try {
    const fd = openSync(`/proc/self/fd/${dir}/${basename(path)}`, O_PATH | constants.O_NOFOLLOW);
    if (fstatSync(fd).isSocket()) return fd;
    closeSync(fd);
    return null;
  } catch {
    return null;
  } finally {
    closeSync(dir);
  }
}
