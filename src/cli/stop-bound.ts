// SIGINT/SIGTERM always stop `agora start` within orchestrator.stop_timeout_ms. The polite
// stop (runs get orchestrator.shutdown_grace_ms to end, then SIGTERM, sandbox.grace_ms, SIGKILL)
// is cut to end by three quarters of the bound, leaving the rest to record the runs' ends and
// close the world; a backstop at the bound records whatever is still running and exits.
import type { Config } from '../config/schema.js';

/** Share of the bound by which runs are killed; the rest is for recording and closing. */
const KILLED_BY_FRACTION = 0.75;

/** The config with shutdown_grace_ms cut so that a polite stop fits the stop bound. */
export function fitStopBound(config: Config): { config: Config; cut_from_ms: number | null } {
  const { stop_timeout_ms, shutdown_grace_ms } = config.orchestrator;
  const fits_ms = Math.max(0, Math.floor(stop_timeout_ms * KILLED_BY_FRACTION) - config.sandbox.grace_ms);
  if (shutdown_grace_ms <= fits_ms) return { config, cut_from_ms: null };
  return { config: { ...config, orchestrator: { ...config.orchestrator, shutdown_grace_ms: fits_ms } }, cut_from_ms: shutdown_grace_ms };
}

export interface StopSignals {
  readonly requested: boolean;
  /** The first signal calls `onStop` and arms the backstop, which calls `onBound` at the bound. */
  onStop: () => void;
  onBound: () => void;
  dispose(): void;
}

/** Takes SIGINT and SIGTERM from now on (a signal during start-up must stop it cleanly too). */
export function takeStopSignals(stop_timeout_ms: number): StopSignals {
  let backstop: NodeJS.Timeout | null = null;
  const signals: StopSignals = {
    requested: false,
    onStop: () => {},
    onBound: () => {},
    dispose() {
      process.off('SIGINT', handle);
      process.off('SIGTERM', handle);
      if (backstop !== null) clearTimeout(backstop);
    },
  };
  const handle = (signal: NodeJS.Signals) => {
    if (signals.requested) {
      process.stderr.write(`agora: ${signal} again: already stopping (at most ${stop_timeout_ms} ms in all)\n`);
      return;
    }
    (signals as { requested: boolean }).requested = true;
    backstop = setTimeout(() => signals.onBound(), stop_timeout_ms);
    signals.onStop();
  };
  process.on('SIGINT', handle);
  process.on('SIGTERM', handle);
  return signals;
}
