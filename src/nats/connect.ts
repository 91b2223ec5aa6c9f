// One connection to the NATS server named in events.nats, for the event stream and the run queue.
// Connection problems surface as AgoraError UNAVAILABLE with the URL, never a client stack.
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { AgoraError } from '../base/errors.js';
import type { Config } from '../config/schema.js';

export type NatsConfig = Config['events']['nats'];

export async function connectNats(config: NatsConfig, name: string): Promise<NatsConnection> {
  const servers = config.url.split(',').map((s) => s.trim()).filter((s) => s !== '');
  try {
    // Reconnects forever after the first connection: a NATS restart must not end a world.
    return await connect({ servers, name, timeout: config.connect_timeout_ms, maxReconnectAttempts: -1 });
  } catch (err) {
    const shown = redacted(config.url);
    throw new AgoraError('UNAVAILABLE', `cannot reach NATS at ${shown}: ${(err as Error).message}`, { url: shown });
  }
}

/** The URL(s) without user or password (nats://user:pass@host carries them), for messages and logs. */
export function redacted(url: string): string {
  return url.replace(/\/\/[^@/,]*@/g, '//***@');
}
