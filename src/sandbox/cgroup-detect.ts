// Finds the cgroup hierarchy this host offers (v2, else v1) and opens its driver. Apart from
// cgroups.ts (the driver interface and shared helpers), which the v1 and v2 drivers import.
import { readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import { openCgroupV1 } from './cgroup-v1.js';
import { openCgroupV2 } from './cgroup-v2.js';
import { parseMountInfo, parseProcCgroup, type CgroupDriver } from './cgroups.js';

export async function detectCgroups(config: Config, log: Logger): Promise<CgroupDriver | null> {
  const want = config.sandbox.cgroups;
  if (want === 'off') return null;
  const mounts = parseMountInfo(readFileSync('/proc/self/mountinfo', 'utf8'));
  const own = parseProcCgroup(readFileSync('/proc/self/cgroup', 'utf8'));
  const errors: string[] = [];
  if (want === 'auto' || want === 'v2') {
    try {
      const driver = openCgroupV2(mounts, own, config, log, { require_controllers: want === 'auto' });
      if (driver !== null) return driver;
      errors.push('v2: no cgroup2 hierarchy with the memory, cpu and pids controllers available to us');
    } catch (err) {
      errors.push(`v2: ${(err as Error).message}`);
    }
  }
  if (want === 'auto' || want === 'v1') {
    try {
      const driver = openCgroupV1(mounts, own, config, log);
      if (driver !== null) return driver;
      errors.push('v1: no memory, cpu, cpuacct or pids hierarchy mounted');
    } catch (err) {
      errors.push(`v1: ${(err as Error).message}`);
    }
  }
  log.warn({ tried: errors }, 'no usable cgroups');
  return null;
}
