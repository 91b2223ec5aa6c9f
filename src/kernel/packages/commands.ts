// Charging for an install (docs/packages.md): the bytes and the CPU, burned, journaled as
// package_installed. The installer moves the files first and calls this at once, with no await
// between (the kernel is single-threaded), after checking the same balance with quote().
import { AgoraError } from '../../base/errors.js';
import { SYSTEM_BURN } from '../ledger/accounts.js';
import { creditsToMicro } from '../ledger/money.js';
import type { CommandMeta, KernelCore } from '../registry.js';

export interface InstallRecord {
  agent_id: string;
  execution_id: string;
  ecosystem: 'npm';
  name: string;
  version: string;
  integrity: string;
  packages: number;
  bytes: number;
  cpu_ms: number;
}

export class Packages {
  constructor(private readonly core: KernelCore) {}

  /** What an install of `bytes` and `cpu_ms` costs, in µcr (each part rounded up). */
  costUcr(bytes: number, cpu_ms: number): number {
    const cfg = this.core.config.packages;
    return Math.ceil(bytes / 1_000_000) * creditsToMicro(cfg.price_per_mb, 'packages.price_per_mb') + Math.ceil((cpu_ms * creditsToMicro(cfg.price_per_cpu_s, 'packages.price_per_cpu_s')) / 1000);
  }

  /** INSUFFICIENT_FUNDS unless the agent can pay `cost_ucr`. */
  assertCanPay(agent_id: string, cost_ucr: number): void {
    const balance_ucr = this.core.writer.get<{ balance_ucr: number }>("SELECT balance_ucr FROM accounts WHERE id = ? AND kind = 'agent'", agent_id)?.balance_ucr ?? 0;
    if (balance_ucr < cost_ucr) throw new AgoraError('INSUFFICIENT_FUNDS', `the install costs ${cost_ucr} µcr; the balance is ${balance_ucr} µcr`, { balance_ucr, cost_ucr });
  }

  recordInstall(record: InstallRecord, meta: CommandMeta): { cost_ucr: number } {
    const cost_ucr = this.costUcr(record.bytes, record.cpu_ms);
    return this.core.command(meta, (tx) => {
      this.assertCanPay(record.agent_id, cost_ucr);
      tx.emit('package_installed', {
        ...record,
        cost_ucr,
        postings: cost_ucr === 0 ? [] : [{ from: record.agent_id, to: SYSTEM_BURN, amount_ucr: cost_ucr, kind: 'burn', memo: `package ${record.name}@${record.version}` }],
      });
      return { cost_ucr };
    });
  }
}
