// The deterministic simulation's rule for host measurements (docs/replay.md): what the host
// measures of a run varies from machine to machine and run to run (CPU time, peak memory,
// wall time), so under --simulate each is rounded up to a multiple of its quantum before it
// is journaled, and no decision can see the noise below the quantum. Zero stays zero.
import type { Config } from '../config/schema.js';
import type { ExecutionOutcome } from '../kernel/executions/commands.js';

export interface SimulationRule {
  cpu_quantum_ms: number;
  memory_quantum_mb: number;
  wall_quantum_ms: number;
}

export function simulationRule(config: Config): SimulationRule {
  const h = config.history;
  return { cpu_quantum_ms: h.simulate_cpu_quantum_ms, memory_quantum_mb: h.simulate_memory_quantum_mb, wall_quantum_ms: h.simulate_wall_quantum_ms };
}

const up = (value: number, quantum: number) => Math.ceil(value / quantum) * quantum;

export function quantizeOutcome(outcome: ExecutionOutcome, rule: SimulationRule): ExecutionOutcome {
  return {
    ...outcome,
    cpu_ms: up(outcome.cpu_ms, rule.cpu_quantum_ms),
    memory_peak_mb: up(outcome.memory_peak_mb, rule.memory_quantum_mb),
    wall_ms: up(outcome.wall_ms, rule.wall_quantum_ms),
  };
}
