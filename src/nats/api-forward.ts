// A remote run's API channel on its runner host: a unix socket bound into the run's sandbox
// (as the world's own per-execution channel is), whose HTTP requests are forwarded to the
// world's API with that run's token. The agent's own credentials never pass: the
// Authorization header is always the run's token, and only the headers the API reads are
// forwarded (no x-agora-delegation, no Host of the agent's choosing). The target is always the
// world's URL: a request line naming another host (absolute-form) is refused.
import { chmodSync, existsSync, unlinkSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { Socket } from 'node:net';

export interface ForwardChannel {
  readonly socket_path: string;
  close(): void;
}

/** Request headers the API reads (besides authorization, which is the run's own). */
const FORWARDED_REQUEST = ['content-type', 'content-length', 'accept', 'last-event-id', 'idempotency-key', 'transfer-encoding'];

function errorBody(code: string, message: string): string {
  return JSON.stringify({ error: { code, message, details: null, retry_after: null } });
}

export async function openForward(socket_path: string, world_url: string, token: string): Promise<ForwardChannel> {
  const base = new URL(world_url);
  const transport = base.protocol === 'https:' ? https : http;
  const open = new Set<Socket>();
  const server = http.createServer((req, res) => {
    const path = req.url ?? '/';
    if (!path.startsWith('/') || path.startsWith('//')) {
      res.writeHead(400, { 'content-type': 'application/json' }).end(errorBody('INVALID_ARGS', 'only paths of the world API are served here'));
      return;
    }
    const headers: Record<string, string | string[]> = { authorization: `Bearer ${token}` };
    for (const name of FORWARDED_REQUEST) {
      const value = req.headers[name];
      if (value !== undefined) headers[name] = value;
    }
    const upstream = transport.request({ protocol: base.protocol, hostname: base.hostname, port: base.port, method: req.method, path: base.pathname.replace(/\/$/, '') + path, headers }, (answer) => {
      const out: Record<string, string | string[]> = {};
      for (const [name, value] of Object.entries(answer.headers)) if (value !== undefined && name !== 'connection' && name !== 'keep-alive') out[name] = value;
      res.writeHead(answer.statusCode ?? 502, out);
      answer.pipe(res);
    });
    upstream.on('error', (err) => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'application/json' }).end(errorBody('UNAVAILABLE', `the world's API cannot be reached: ${err.message}`));
      else res.destroy();
    });
    res.on('close', () => upstream.destroy());
    req.pipe(upstream);
  });
  server.on('connection', (socket) => {
    open.add(socket);
    socket.once('close', () => open.delete(socket));
  });
  if (existsSync(socket_path)) unlinkSync(socket_path);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socket_path, () => {
      server.off('error', reject);
      resolve();
    });
  });
  chmodSync(socket_path, 0o600); // the runner hands it to the sandbox's uid
  let closed = false;
  return {
    socket_path,
    close() {
      if (closed) return;
      closed = true;
      server.close();
      for (const socket of open) socket.destroy();
      try {
        unlinkSync(socket_path);
      } catch {
        /* already gone */
      }
    },
  };
}
