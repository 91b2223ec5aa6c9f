import type { EventEnvelope } from '../registry.js';
import type { Projectors } from '../registry.js';
import type { ProjectionWriter } from '../engine/projection.js';

export const executionTables = ['executions', 'leases'] as const;

/**
 * A lease is granted by the run event that names it, once. A run naming no owed lease (a
 * test's hand-made execution) grants nothing; one naming a lease already granted is a bug.
 */
function grantLease(w: ProjectionWriter, lease_id: string, execution_id: string, event: EventEnvelope): void {
  const granted = w.run("UPDATE leases SET status = 'granted', execution_id = ? WHERE id = ? AND status = 'waiting'", execution_id, lease_id);
  if (granted.changes === 0 && w.get('SELECT 1 FROM leases WHERE id = ?', lease_id) !== undefined) {
    throw new Error(`event ${event.seq} runs lease ${lease_id}, which was already granted`);
  }
}

export const executionProjectors: Projectors = {
  bid_won(w, data, event) {
    w.run(
      "INSERT INTO leases (id, agent_id, cycle, bundle, status, owed_at_ms, owed_seq) VALUES (?, ?, ?, ?, 'waiting', ?, ?)",
      data.bid_id, data.agent_id, data.cycle, JSON.stringify(data.bundle), event.at_ms, event.seq,
    );
  },
  lease_returned(w, data, event) {
    w.run(
      "INSERT INTO leases (id, agent_id, cycle, bundle, status, owed_at_ms, owed_seq) VALUES (?, ?, ?, ?, 'waiting', ?, ?)",
      data.lease_id, data.agent_id, data.cycle, JSON.stringify(data.bundle), event.at_ms, event.seq,
    );
  },
  execution_started(w, data, event) {
    grantLease(w, data.bid_id, data.execution_id, event);
    w.run(
      `INSERT INTO executions (id, agent_id, bid_id, cycle, bundle, lease_ends_at_ms, started_at_ms, status)
       VALUES (?, ?, ?, ?, ?, ?, ?, 'running')`,
      data.execution_id, data.agent_id, data.bid_id, data.cycle, JSON.stringify(data.bundle), data.lease_ends_at_ms, event.at_ms,
    );
    w.run('UPDATE agents SET executions = executions + 1 WHERE id = ?', data.agent_id);
  },
  execution_lease_extended(w, data, event) {
    grantLease(w, data.bid_id, data.execution_id, event);
    w.run('UPDATE executions SET leases = leases + 1, lease_ends_at_ms = ?, bundle = ? WHERE id = ?', data.lease_ends_at_ms, JSON.stringify(data.bundle), data.execution_id);
  },
  execution_ended(w, data, event) {
    w.run(
      `UPDATE executions SET status = 'ended', ended_at_ms = ?, reason = ?, exit_code = ?, signal = ?, cpu_ms = ?,
         memory_peak_mb = ?, wall_ms = ?, log_bytes = ?, log_truncated = ? WHERE id = ?`,
      event.at_ms, data.reason, data.exit_code, data.signal, data.cpu_ms, data.memory_peak_mb, data.wall_ms, data.log_bytes,
      data.log_truncated ? 1 : 0, data.execution_id,
    );
  },
};
