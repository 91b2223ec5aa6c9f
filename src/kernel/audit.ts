// `agora audit` on a world: the engine's replay over the kernel's domains, reported with the
// ledger's conservation (the one invariant the domains register today) on both sides.
import type { Db } from '../store/store.js';
import { replayAudit, type TableComparison } from './engine/audit.js';
import { kernelRegistry } from './kernel.js';
import type { ConservationReport } from './ledger/commands.js';

export interface AuditReport {
  ok: boolean;
  events: number;
  tables: TableComparison[];
  conservation: ConservationReport;
  replayed_conservation: ConservationReport;
  journal_problems: string[];
}

export function audit(db: Db): AuditReport {
  const report = replayAudit(db, kernelRegistry);
  const conservation = report.invariants['conservation'];
  if (conservation === undefined) throw new Error('the ledger registers no conservation invariant');
  return {
    ok: report.ok,
    events: report.events,
    tables: report.tables,
    conservation: conservation.live as ConservationReport,
    replayed_conservation: conservation.replayed as ConservationReport,
    journal_problems: report.journal_problems,
  };
}
