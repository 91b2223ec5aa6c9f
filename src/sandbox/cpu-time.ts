// CPU time crosses the sandbox's interface as integer ms (`cpu_ms`, as the journal and the
// bundle hold it); the meters read it as fractional seconds (what cgroups, /proc and
// RLIMIT_CPU speak). These are the one place the two are converted.

/** Seconds as the meters read them into the integer ms the sandbox reports. */
export function cpuMsOfSeconds(cpu_seconds: number): number {
  return Math.round(cpu_seconds * 1000);
}

/** A ms budget as the seconds the meters and RLIMIT_CPU compare against. */
export function cpuSecondsOfMs(cpu_ms: number): number {
  return cpu_ms / 1000;
}
