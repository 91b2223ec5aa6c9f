// The launcher's inbox provider: unread messages for env.json, oldest first, bounded by
// social.env_inbox_messages_max. Delivering them marks them read (see Social.deliverUnread).
import type { Kernel } from '../kernel/kernel.js';
import type { InboxMessage } from './env-json.js';

export function inboxProvider(kernel: Kernel): (agent_id: string) => InboxMessage[] {
  return (agent_id) =>
    kernel.social.deliverUnread(agent_id, { actor: 'system:loop' }).map((m) => ({
      id: m.message_id,
      from: m.from_id,
      content: m.content,
      timestamp: new Date(m.sent_at_ms).toISOString(),
    }));
}
