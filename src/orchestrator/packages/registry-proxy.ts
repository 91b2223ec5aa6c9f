// The install sandbox's only way out: an HTTP proxy on a unix socket (bound into the sandbox
// where the API socket would be, spoken to as https_proxy) that forwards to the allowed
// registry hosts and nothing else. `CONNECT host:443` is tunnelled for a bare allowed host
// (npm's HTTPS); an absolute-URI GET is forwarded for an allowed `host:port` (a plain-HTTP
// registry, as tests and private mirrors use). Everything else, any other host or port, a
// literal address, another method, is answered 403 and closed. The bytes relayed are capped.
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect, isIP, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';

export interface RegistryProxy {
  readonly path: string;
  /** Connections refused since start, by what they asked for (bounded, for the log). */
  readonly refused: string[];
  close(): Promise<void>;
}

export interface ProxyOptions {
  socket_path: string;
  allowed_hosts: readonly string[];
  bytes_max: number;
}

const REFUSED_KEPT = 20;

export async function startRegistryProxy(options: ProxyOptions): Promise<RegistryProxy> {
  const allowed = new Set(options.allowed_hosts.map((h) => h.toLowerCase()));
  const refused: string[] = [];
  const open = new Set<Duplex>();
  let relayed = 0;
  const refuse = (what: string) => {
    if (refused.length < REFUSED_KEPT) refused.push(what.slice(0, 300));
  };
  const count = (socket: NodeJS.ReadableStream) => {
    socket.on('data', (chunk: Buffer) => {
      relayed += chunk.length;
      if (relayed > options.bytes_max) for (const s of open) s.destroy();
    });
  };

  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const target = parseAbsolute(req.url ?? '');
    if (req.method !== 'GET' || target === null || !allowed.has(`${target.hostname}:${target.port}`)) {
      refuse(`${req.method} ${req.url}`);
      res.writeHead(403, { connection: 'close' }).end('refused by the registry proxy\n');
      return;
    }
    const upstream = httpRequest({ host: target.hostname, port: Number(target.port), path: `${target.pathname}${target.search}`, method: 'GET', headers: { ...req.headers, host: target.host } }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      count(up);
      up.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  server.on('connect', (req: IncomingMessage, client: Duplex, head: Buffer) => {
    open.add(client);
    client.on('close', () => open.delete(client));
    client.on('error', () => client.destroy());
    const [host, port] = splitHostPort(req.url ?? '');
    if (host === null || port !== 443 || isIP(host) !== 0 || !allowed.has(host)) {
      refuse(`CONNECT ${req.url}`);
      client.end('HTTP/1.1 403 Forbidden\r\nconnection: close\r\n\r\n');
      return;
    }
    const upstream: Socket = connect(443, host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) upstream.write(head);
      count(upstream);
      count(client);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    open.add(upstream);
    upstream.on('close', () => {
      open.delete(upstream);
      client.destroy();
    });
    upstream.on('error', () => client.destroy());
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(options.socket_path, resolve));
  return {
    path: options.socket_path,
    refused,
    close: async () => {
      for (const s of open) s.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function splitHostPort(authority: string): [string | null, number] {
  const m = /^([A-Za-z0-9.-]{1,253}):(\d{1,5})$/.exec(authority);
  return m === null ? [null, 0] : [m[1]!.toLowerCase(), Number(m[2])];
}

function parseAbsolute(url: string): URL | null {
  try {
    const u = new URL(url);
    if (u.protocol !== 'http:' || u.port === '' || u.username !== '' || u.password !== '') return null;
    return u;
  } catch {
    return null;
  }
}
