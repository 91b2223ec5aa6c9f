// Projects the society's events into inboxes and profiles. The same code runs live and in
// `agora audit`'s replay, so it reads nothing but the tables it writes and the event.
import { OPERATOR } from '../ledger/accounts.js';
import type { Projectors } from '../registry.js';
import type { ProjectionWriter } from '../engine/projection.js';

/** Tables derived from social events, compared by `agora audit`. */
export const socialTables = ['social_messages', 'social_inboxes'] as const;

function touchInbox(w: ProjectionWriter, agent_id: string): void {
  w.run('INSERT INTO social_inboxes (agent_id) VALUES (?) ON CONFLICT (agent_id) DO NOTHING', agent_id);
}

export const socialProjectors: Projectors = {
  message_sent(w, data, event) {
    // The operator sends replies but has no inbox of its own.
    if (data.from_id !== OPERATOR) {
      touchInbox(w, data.from_id);
      w.run('UPDATE social_inboxes SET sent = sent + 1 WHERE agent_id = ?', data.from_id);
    }
    for (const recipient of data.to_ids) {
      touchInbox(w, recipient);
      w.run(
        `INSERT INTO social_messages (recipient_id, seq, message_id, from_id, content, broadcast, sent_at_ms)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
        recipient, event.seq, data.message_id, data.from_id, data.content, data.broadcast ? 1 : 0, event.at_ms,
      );
      w.run('UPDATE social_inboxes SET received = received + 1 WHERE agent_id = ?', recipient);
    }
  },
  messages_dropped(w, data) {
    for (const message_id of data.message_ids) {
      const removed = w.run('DELETE FROM social_messages WHERE recipient_id = ? AND message_id = ?', data.agent_id, message_id);
      if (removed.changes !== 1) throw new Error(`dropped message ${message_id} is not in ${data.agent_id}'s inbox`);
    }
    w.run('UPDATE social_inboxes SET dropped = dropped + ? WHERE agent_id = ?', data.message_ids.length, data.agent_id);
  },
  inbox_read(w, data) {
    const row = w.get<{ seq: number }>('SELECT seq FROM social_messages WHERE recipient_id = ? AND message_id = ?', data.agent_id, data.up_to_message_id);
    if (row === undefined) throw new Error(`read mark names message ${data.up_to_message_id}, not in ${data.agent_id}'s inbox`);
    touchInbox(w, data.agent_id);
    w.run('UPDATE social_inboxes SET read_up_to_seq = MAX(read_up_to_seq, ?) WHERE agent_id = ?', row.seq, data.agent_id);
  },
  profile_updated(w, data) {
    w.run('UPDATE agents SET description = ? WHERE id = ?', data.description, data.agent_id);
  },
};
