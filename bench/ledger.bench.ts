// Durable kernel transfers per second, single process, WAL. Each transfer is a full kernel
// command (checks, journal append, projection). Measured with one transaction per transfer
// and with group commit (`KernelCore.batch`: 100 commands per transaction, each durable
// when its batch commits), at both durability settings.
import { transfersPerSecond } from './transfers.js';
import type { BenchRow } from './types.js';


export default async function bench(): Promise<BenchRow[]> {
  transfersPerSecond({ synchronous: 'NORMAL' }, 5_000, 100); // warm-up: JIT, page cache
  const grouped = transfersPerSecond({ synchronous: 'NORMAL' }, 100_000, 100);
  const single = transfersPerSecond({ synchronous: 'NORMAL' }, 20_000, 1);
  const groupedFull = transfersPerSecond({ synchronous: 'FULL' }, 20_000, 100);
  const singleFull = transfersPerSecond({ synchronous: 'FULL' }, 2_000, 1);
  return [
    { name: 'kernel transfers/s, group commit of 100 (synchronous=NORMAL, default)', value: grouped, unit: 'transfers/s', target: '>= 20000', ok: grouped >= 20_000, note: 'survives SIGKILL' },
    { name: 'kernel transfers/s, one transaction each (synchronous=NORMAL)', value: single, unit: 'transfers/s', note: 'what a lone HTTP transfer costs' },
    { name: 'kernel transfers/s, group commit of 100 (synchronous=FULL)', value: groupedFull, unit: 'transfers/s', note: 'fsync per commit: survives power loss' },
    { name: 'kernel transfers/s, one transaction each (synchronous=FULL)', value: singleFull, unit: 'transfers/s' },
  ];
}
