// Access contracts as data. A contract is either a kernel contract named by a fixed id
// (kernel:public, kernel:private, kernel:owner-only, kernel:paid-read), or a contract artifact:
// its content a JSON rule document (below), or its code a bundle the invoker runs in a sandbox
// (an executable contract). Everything unknown denies: no fallback to public (docs/artifacts.md).
import { z } from 'zod';
import { AgoraError } from '../../base/errors.js';
import { lazy } from '../../base/lazy.js';

export const KERNEL_CONTRACTS = ['kernel:public', 'kernel:private', 'kernel:owner-only', 'kernel:paid-read'] as const;
export type KernelContractId = (typeof KERNEL_CONTRACTS)[number];
export const DEFAULT_CONTRACT: KernelContractId = 'kernel:public';

export const ACTIONS = ['read', 'invoke', 'write', 'discover'] as const;
export type Action = (typeof ACTIONS)[number];

export const ruleNames = ['public', 'private', 'owner-only', 'allow-list', 'paid-read'] as const;
export type RuleName = (typeof ruleNames)[number];

/** A data contract's content: its rule, and who else may write (coordination: task boards, locks). */
export const contractDocument = lazy(() => z.strictObject({
  rule: z.enum(ruleNames),
  allow: z.array(z.string().min(1).max(64)).default([]).describe('allow-list: the agents who may discover, read and invoke'),
  write: z.union([z.enum(['owner', 'anyone']), z.array(z.string().min(1).max(64))]).default('owner').describe('Who besides the owner may add versions'),
}));
export type ContractDocument = z.infer<ReturnType<typeof contractDocument>>;

export function kernelContract(id: string): ContractDocument | null {
  switch (id) {
    case 'kernel:public':
      return { rule: 'public', allow: [], write: 'owner' };
    case 'kernel:private':
      return { rule: 'private', allow: [], write: 'owner' };
    case 'kernel:owner-only':
      return { rule: 'owner-only', allow: [], write: 'owner' };
    case 'kernel:paid-read':
      return { rule: 'paid-read', allow: [], write: 'owner' };
    default:
      return null;
  }
}

/** Parses a contract artifact's content; INVALID_ARGS at publish, null (deny) at check time. */
export function parseContractDocument(bytes: Buffer, allow_list_max: number): ContractDocument {
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new AgoraError('INVALID_ARGS', 'a contract artifact\'s content must be a JSON rule document: {"rule": "public"|"private"|"owner-only"|"allow-list"|"paid-read", "allow": [...], "write": "owner"|"anyone"|[...]}', { field: 'content' });
  }
  const parsed = contractDocument().safeParse(json);
  if (!parsed.success) throw new AgoraError('INVALID_ARGS', `contract document: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`, { field: 'content' });
  const doc = parsed.data;
  const writers = Array.isArray(doc.write) ? doc.write.length : 0;
  if (doc.allow.length > allow_list_max || writers > allow_list_max) {
    throw new AgoraError('INVALID_ARGS', `a contract names at most ${allow_list_max} agents per list (artifacts.allow_list_max)`, { field: 'content' });
  }
  return doc;
}

/**
 * The decision of a data rule for a non-owner (the owner may always do everything to its own
 * artifact). `null` reason means allowed.
 */
export function decide(doc: ContractDocument, caller_id: string, action: Action): string | null {
  if (action === 'write') {
    if (doc.write === 'anyone') return doc.rule === 'private' ? 'the artifact is private' : null;
    if (Array.isArray(doc.write) && doc.write.includes(caller_id)) return null;
    return 'only the owner (or a writer its contract names) may add versions';
  }
  switch (doc.rule) {
    case 'public':
      return null;
    case 'private':
      return 'the artifact is private to its owner';
    case 'owner-only':
      return action === 'discover' ? null : 'only the owner may read or invoke it';
    case 'allow-list':
      return doc.allow.includes(caller_id) ? null : 'the caller is not on its allow-list';
    case 'paid-read':
      return action === 'invoke' ? 'paid-read artifacts are read (for their per-read price), not invoked' : null;
  }
}
