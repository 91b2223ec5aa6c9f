// The dashboard's only door to the world: fetch with the operator token, which lives in this
// tab's sessionStorage (gone when the tab closes, never in a URL or a cookie).
const TOKEN_KEY = 'agora.operator_token';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export const token = {
  get: (): string | null => sessionStorage.getItem(TOKEN_KEY),
  set: (value: string) => sessionStorage.setItem(TOKEN_KEY, value),
  clear: () => sessionStorage.removeItem(TOKEN_KEY),
};

/** Called when the server refuses the token: the app goes back to the login form. */
let onUnauthorized: () => void = () => {};
export function setUnauthorizedHandler(handler: () => void): void {
  onUnauthorized = handler;
}

export function authHeaders(): Record<string, string> {
  const t = token.get();
  return t === null ? {} : { authorization: `Bearer ${t}` };
}

/** Reads index.html started before the bundle loaded; each is used once, by the first asker. */
const prefetched = (window as { __agoraPrefetch?: Record<string, Promise<Response> | undefined> }).__agoraPrefetch ?? {};

function request(path: string, options: { method?: string; body?: unknown; signal?: AbortSignal }): Promise<Response> {
  const early = options.method === undefined ? prefetched[path] : undefined;
  if (early !== undefined) {
    prefetched[path] = undefined;
    return early;
  }
  const headers: Record<string, string> = authHeaders();
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  return fetch(path, {
    method: options.method ?? 'GET',
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
    signal: options.signal,
  });
}

export async function api<T>(path: string, options: { method?: string; body?: unknown; signal?: AbortSignal } = {}): Promise<T> {
  const res = await request(path, options);
  const text = await res.text();
  const body = text === '' ? null : (JSON.parse(text) as unknown);
  if (!res.ok) {
    const error = (body as { error?: { code?: string; message?: string } } | null)?.error;
    if (res.status === 401) onUnauthorized();
    throw new ApiError(res.status, error?.code ?? 'ERROR', error?.message ?? `${res.status} ${res.statusText}`);
  }
  return body as T;
}

export function query(params: Record<string, string | number | boolean | undefined | null>): string {
  const parts = Object.entries(params)
    .filter(([, v]) => v !== undefined && v !== null && v !== '')
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`);
  return parts.length === 0 ? '' : `?${parts.join('&')}`;
}
