// The package installer as the API sees it (POST /packages/install): the orchestrator's
// PackageInstaller does the work in a sandbox (src/orchestrator/packages/); the API holds only
// this interface, as it holds the invoker's (kernel/artifacts/invocation-service.ts).

export interface InstallRequest {
  agent_id: string;
  execution_id: string;
  ecosystem: 'npm';
  name: string;
  version: string;
}

export interface InstallResult {
  name: string;
  version: string;
  integrity: string;
  packages: number;
  bytes: number;
  cpu_ms: number;
  cost_ucr: number;
}

export interface PackageService {
  install(request: InstallRequest): Promise<InstallResult>;
}
