// The seam between the artifacts domain and the call path (ARTIFACTS-CONTRACT.md). The
// orchestrator offers an InvocationService to the API, as it offers spawn (SpawnService): it
// runs one tool call in a fresh sandbox. The kernel side of a call is on `kernel.artifacts`:
//
//   resolveForCall({ artifact_id, version? })                 -> ResolvedVersion (NOT_FOUND, DELETED 410)
//   checkAccess({ caller_id, action, artifact_id })            -> { allow } | { allow: false, reason } | { executable }
//   recordContractDecision({ contract_id, contract_version, artifact_id, caller_id, action, allow, reason }, meta)
//   beginCall({ payer_id, caller_id, artifact_id, version?, tool, max_price_ucr, allowance, depth, parent_call_id? }, meta)
//                                                              -> BegunCall (INSUFFICIENT_FUNDS, PRICE_ABOVE_MAX, DEPTH_LIMIT)
//   settleCall({ call_id, used_price_ucr?, resources, duration_ms }, meta) -> SettledCall
//   failCall({ call_id, error_code, resources, duration_ms }, meta)        -> { call_id, refund_ucr }
//
// Events: artifact_call_started, artifact_call_settled, artifact_call_failed (the receipts),
// artifact_contract_decided. Args and outputs are validated with ./json-schema.ts.
import type { CommandMeta } from '../registry.js';
import type { Allowance } from './calls.js';
import type { CallClaims } from '../../base/call-claims.js';

/** Offered by the orchestrator to the API (like World.spawn: SpawnService): runs one tool call. */
export interface InvocationService {
  invoke(request: InvokeRequest, meta: CommandMeta): Promise<InvokeResult>;
  /** The tools an mcp_server bundle lists (run in a sandbox before publish); absent: mcp_server cannot be published. */
  listMcpTools?(input: { owner_id: string; entry: string; files: { name: string; bytes: Buffer }[] }): Promise<{ name: string; description: string; input_schema: Record<string, unknown> }[]>;
}

/** Who a call token says is calling: a nested call made by a running artifact's code. */
export type { CallClaims };

export interface InvokeRequest {
  /** The direct caller, as the API authenticated it (never from the body). */
  caller: { agent_id: string; execution_id: string } | { call_token_claims: CallClaims };
  artifact_id: string;
  version?: number;
  tool: string;
  args: unknown;
  /** Never charge more than this for the tool's price. */
  max_price_ucr: number;
  /** Bounded by artifacts.allowance_*_max. */
  allowance: Allowance;
}

/** Failures are thrown AgoraErrors: EXECUTION_ERROR, TIMEOUT, INVALID_ARGS, INVALID_OUTPUT, LIMIT, ACCESS_DENIED, DELETED, PRICE_ABOVE_MAX, DEPTH_LIMIT, INSUFFICIENT_FUNDS. */
export interface InvokeResult {
  ok: true;
  call_id: string;
  output: unknown;
  price_ucr: number;
  resources_ucr: number;
}

/**
 * Runs an executable contract for the data routes (read, write), if the host has one; without
 * it those routes deny an artifact an executable contract guards (fail closed).
 */
export interface ContractRunner {
  check(input: { contract_id: string; version: number; bundle: { dir: string; entry: string }; caller_id: string; action: string; artifact_id: string }): Promise<{ allow: boolean; reason: string }>;
}
