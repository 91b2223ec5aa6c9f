// Data loading for pages: load once, then again whenever the world changes (the app's live
// `tick`, throttled) and on a slow timer as a fallback when the stream is down.
import { createContext } from 'preact';
import type { Summary } from './types.js';
import { useCallback, useContext, useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';

/** The seq of the latest journal event the app has heard of (0 until it knows). */
export const LiveTick = createContext(0);

/** The world summary, loaded once for the whole app (header, badges, the world page). */
export const SummaryContext = createContext<Summary | null>(null);

export interface Loaded<T> {
  data: T | null;
  error: string | null;
  reload: () => void;
}

export function useLoad<T>(load: (signal: AbortSignal) => Promise<T>, deps: unknown[], options: { live?: boolean; min_interval_ms?: number; poll_ms?: number } = {}): Loaded<T> {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [nonce, setNonce] = useState(0);
  const tick = useContext(LiveTick);
  const live = options.live ?? true;
  const min_interval_ms = options.min_interval_ms ?? 1000;
  const last = useRef(0);
  const [liveNonce, setLiveNonce] = useState(0);

  // A burst of events becomes at most one reload per min_interval_ms (trailing).
  useEffect(() => {
    if (!live || tick === 0) return;
    const wait = Math.max(0, last.current + min_interval_ms - Date.now());
    const timer = setTimeout(() => setLiveNonce((n) => n + 1), wait);
    return () => clearTimeout(timer);
  }, [tick]);

  useEffect(() => {
    if (options.poll_ms === undefined) return;
    const timer = setInterval(() => setNonce((n) => n + 1), options.poll_ms);
    return () => clearInterval(timer);
  }, [options.poll_ms]);

  // A layout effect: the request starts before the first paint, not after it.
  useLayoutEffect(() => {
    const controller = new AbortController();
    last.current = Date.now();
    load(controller.signal).then(
      (value) => {
        if (controller.signal.aborted) return;
        setData(value);
        setError(null);
      },
      (err: Error) => {
        if (!controller.signal.aborted) setError(err.message);
      },
    );
    return () => controller.abort();
  }, [...deps, nonce, liveNonce]);

  return { data, error, reload: useCallback(() => setNonce((n) => n + 1), []) };
}

/** The location hash as a route: `#/agents/ag-1` is ['agents', 'ag-1']. */
export function useRoute(): string[] {
  const read = () => location.hash.replace(/^#\/?/, '').split('/').filter((p) => p !== '').map(decodeURIComponent);
  const [route, setRoute] = useState(read);
  useEffect(() => {
    const update = () => setRoute(read());
    addEventListener('hashchange', update);
    return () => removeEventListener('hashchange', update);
  }, []);
  return route;
}
