// What the invoker needs of the kernel's artifacts domain (ARTIFACTS-CONTRACT.md, "The seam").
// Until that domain lands this file holds the shapes; afterwards they are the kernel's own.
import type { CallClaims } from '../../identity/call-tokens.js';
import type { CommandMeta } from '../../kernel/registry.js';
import type { Allowance } from '../ports.js';
import type { Metered } from './tool-run.js';

export type { CallClaims };

export interface ToolPricing {
  /** fixed: the call costs price_ucr; capped: at most price_ucr, settled at what the tool reports. */
  mode: 'fixed' | 'capped';
  price_ucr: number;
}

export interface ToolSpec {
  name: string;
  description: string;
  input_schema: unknown;
  output_schema: unknown;
  pricing?: ToolPricing;
}

export interface CallRecord {
  artifact_id: string;
  version: number;
  owner_id: string;
  kind: string;
  interface: { tools: ToolSpec[] } | null;
  price_ucr: number;
  access_contract_id: string | null;
  /** Host directory of the version's files, and the entry point inside it. Null for a host service. */
  bundle: { dir: string; entry: string } | null;
  /** Agora's own services (genesis artifacts) are served by the host, not a sandbox. */
  host_service?: string | null;
}

export type AccessDecision = { allow: true } | { allow: false; reason: string } | { executable: { contract_id: string; version: number; bundle: { dir: string; entry: string } } };

export interface BeginCall {
  payer_id: string;
  caller_id: string;
  artifact_id: string;
  version: number;
  tool: string;
  max_price_ucr: number;
  allowance: Allowance;
  depth: number;
  parent_call_id: string | null;
}

export interface ArtifactCalls {
  resolveForCall(input: { artifact_id: string; version?: number }): CallRecord;
  checkAccess(input: { caller_id: string; action: string; artifact_id: string }): AccessDecision;
  recordContractDecision?(input: { contract_id: string; version: number; artifact_id: string; caller_id: string; action: string; allow: boolean; reason: string }, meta: CommandMeta): void;
  beginCall(input: BeginCall, meta: CommandMeta): { call_id: string; price_ucr: number; escrow_ucr: number };
  settleCall(input: { call_id: string; used_price_ucr: number; resources: Metered; duration_ms: number }, meta: CommandMeta): void;
  failCall(input: { call_id: string; error_code: string; resources: Metered; duration_ms: number }, meta: CommandMeta): void;
}

export type { InvocationService, InvokeCaller, InvokeRequest, InvokeResult } from '../ports.js';
