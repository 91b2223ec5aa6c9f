// The package installer as the API sees it (POST /packages/install): the orchestrator's
// PackageInstaller does the work in a sandbox (src/orchestrator/packages/); the API holds only
// this interface, as it holds the invoker's (kernel/artifacts/invocation-service.ts).

import type { InstallRecord } from './commands.js';

/** What an agent asks for: the record's first fields (the version may be a range or a tag here). */
export type InstallRequest = Pick<InstallRecord, 'agent_id' | 'execution_id' | 'ecosystem' | 'name' | 'version'>;

/** What was installed and what it cost: the record as journaled, without who asked. */
export type InstallResult = Pick<InstallRecord, 'name' | 'version' | 'integrity' | 'packages' | 'bytes' | 'cpu_ms'> & { cost_ucr: number };

export interface PackageService {
  install(request: InstallRequest): Promise<InstallResult>;
}
