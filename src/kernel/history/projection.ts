// The history's tables: cycle hashes, workspace manifests by run, checkpoints, the world's
// fork origin and the LLM replies it recorded (what llm.mode replay serves back).
import type { Projectors } from '../registry.js';

export const historyTables = ['history_cycles', 'history_workspaces', 'history_checkpoints', 'history_origin', 'history_llm_replies'] as const;

export const historyProjectors: Projectors = {
  cycle_closed(w, data, event) {
    w.run('INSERT INTO history_cycles (cycle, seq, at_ms, state_hash) VALUES (?, ?, ?, ?)', data.cycle, event.seq, event.at_ms, data.state_hash);
  },
  workspace_recorded(w, data, event) {
    w.run(
      'INSERT INTO history_workspaces (execution_id, agent_id, cycle, seq, manifest, files, bytes) VALUES (?, ?, ?, ?, ?, ?, ?)',
      data.execution_id, data.agent_id, data.cycle, event.seq, data.manifest, data.files, data.bytes,
    );
  },
  checkpoint_marked(w, data, event) {
    w.run('INSERT INTO history_checkpoints (seq, name, cycle, at_seq, manifests) VALUES (?, ?, ?, ?, ?)', event.seq, data.name, data.cycle, data.seq, JSON.stringify(data.manifests));
  },
  world_forked(w, data, event) {
    w.run(
      'INSERT INTO history_origin (seq, parent_dir, parent_world_id, cycle, parent_seq, changes) VALUES (?, ?, ?, ?, ?, ?)',
      event.seq, data.parent_dir, data.parent_world_id, data.cycle, data.parent_seq, JSON.stringify(data.changes),
    );
  },
  llm_reply_recorded(w, data, event) {
    w.run(
      'INSERT INTO history_llm_replies (seq, agent_id, execution_id, request_sha256, stream, replayed) VALUES (?, ?, ?, ?, ?, ?)',
      event.seq, data.agent_id, data.execution_id, data.request_sha256, data.stream ? 1 : 0, data.replayed ? 1 : 0,
    );
  },
};
