// The agent's own small HTTP client for the Agora API. Inside a sandbox the connection
// identifies the agent; AGORA_TOKEN, when set, is sent as well (the process runner needs it).
// node:http rather than fetch: fetch's first use costs about 100 ms of CPU, a run's budget.
import http from 'node:http';
import https from 'node:https';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: unknown,
  ) {
    super(`${code}: ${message}`);
  }
}

export interface Client {
  get<T>(path: string): Promise<T>;
  post<T>(path: string, body: unknown): Promise<T>;
  put<T>(path: string, body: unknown): Promise<T>;
  delete<T>(path: string): Promise<T>;
  /** Closes kept-alive connections, so the process can exit at once. */
  close(): void;
}

const TIMEOUT_MS = 10_000;
const RESPONSE_BYTES_MAX = 4 * 1024 * 1024;

export function createClient(base_url: string, token: string | undefined): Client {
  const base = new URL(base_url.replace(/\/+$/, '') + '/');
  const transport = base.protocol === 'https:' ? https : http;
  const agent = new transport.Agent({ keepAlive: true, maxSockets: 2 });

  function call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const url = new URL(path.replace(/^\//, ''), base);
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const headers: Record<string, string | number> = { accept: 'application/json' };
    if (token !== undefined && token !== '') headers.authorization = `Bearer ${token}`;
    if (payload !== undefined) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = payload.length;
    }
    return new Promise<T>((resolve, reject) => {
      const req = transport.request(url, { method, headers, agent, timeout: TIMEOUT_MS }, (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > RESPONSE_BYTES_MAX) req.destroy(new Error(`response of ${method} ${path} is too large`));
          else chunks.push(chunk);
        });
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown = null;
          try {
            parsed = text === '' ? null : JSON.parse(text);
          } catch {
            parsed = null;
          }
          const status = res.statusCode ?? 0;
          if (status >= 200 && status < 300) return resolve(parsed as T);
          const error = (parsed as { error?: { code?: string; message?: string; details?: unknown } } | null)?.error;
          reject(new ApiError(status, error?.code ?? `HTTP_${status}`, error?.message ?? text.slice(0, 200), error?.details ?? null));
        });
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(new Error(`${method} ${path} timed out`)));
      req.on('error', reject);
      req.end(payload);
    });
  }

  return {
    get: (path) => call('GET', path),
    post: (path, body) => call('POST', path, body),
    put: (path, body) => call('PUT', path, body),
    delete: (path) => call('DELETE', path),
    close: () => agent.destroy(),
  };
}
