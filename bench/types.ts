// The contract between bench/run.ts and each bench/*.bench.ts file.
export interface BenchRow {
  name: string;
  value: number;
  unit: string;
  /** Human-readable target, e.g. ">= 20000". */
  target?: string;
  ok?: boolean;
  note?: string;
}

export type Bench = () => Promise<BenchRow[]>;
