// The command the code right guards (docs/trade.md, "Rights"): the holder of `code:<agent>`
// puts a published code artifact's files into that agent's workspace; the agent's next run
// runs them. Anyone else is refused (403), the agent itself included once it has sold the
// right. The kernel checks and journals; the host's writer (SafeDir, never following a link)
// writes inside the same command, so a refused or failed write journals nothing.
import { AgoraError } from '../../base/errors.js';
import type { Artifacts } from '../artifacts/commands.js';
import { fileNameLimits } from '../artifacts/validate.js';
import type { CommandMeta, KernelCore } from '../registry.js';
import { CODE_RIGHT_PREFIX } from './events.js';
import type { Rights } from './rights.js';
import { requireLiving } from './rows.js';

export interface CodeFile {
  /** Relative, '/'-separated (checked at publish and again by the writer). */
  name: string;
  bytes: Buffer;
}

/** Writes the files into the agent's workspace; throws (nothing journaled) if it cannot safely. */
export type CodeWriter = (agent_id: string, files: readonly CodeFile[]) => void;

export interface CodeUpdate {
  agent_id: string;
  by_id: string;
  artifact_id: string;
  version: number;
  content_hash: string;
  files: string[];
}

export class CodeUpdates {
  constructor(
    private readonly core: KernelCore,
    private readonly rights: Rights,
    private readonly artifacts: Artifacts,
  ) {}

  update(input: { by_id: string; agent_id: string; artifact_id: string; version?: number }, write: CodeWriter, meta: CommandMeta): CodeUpdate {
    return this.core.command(meta, (tx) => {
      const right = `${CODE_RIGHT_PREFIX}${input.agent_id}`;
      requireLiving(this.core, input.agent_id, 'agent');
      if (this.rights.held(input.by_id, right) < 1) {
        const holder = this.rights.codeHolder(input.agent_id);
        throw new AgoraError('ACCESS_DENIED', `only the holder of ${right} may update ${input.agent_id}'s code; ${input.by_id} holds none${holder === null ? '' : ` (${holder} does)`}`, { right, holder_id: holder });
      }
      const artifact = this.artifacts.requireLive(input.artifact_id);
      const version = this.artifacts.version(artifact.id, input.version ?? artifact.latest_version);
      if (version === null) throw new AgoraError('NOT_FOUND', `artifact ${artifact.id} has no version ${input.version}`, { artifact_id: artifact.id });
      if (artifact.kind !== 'code' || version.files === null || version.entry === null) {
        throw new AgoraError('INVALID_ARGS', `artifact ${artifact.id} is ${artifact.kind}, not a code bundle`, { field: 'artifact_id' });
      }
      // Its bytes are read, not bought: the caller's own code, or code free to read that it may read.
      if (artifact.owner_id !== input.by_id) {
        const decision = this.artifacts.checkAccess({ caller_id: input.by_id, action: 'read', artifact_id: artifact.id });
        if (!('allow' in decision) || !decision.allow) throw new AgoraError('ACCESS_DENIED', `${input.by_id} may not read ${artifact.id}`, { artifact_id: artifact.id });
        if (artifact.price_read_ucr > 0) throw new AgoraError('ACCESS_DENIED', `${artifact.id} costs ${artifact.price_read_ucr} µcr to read; install only code you own or that is free to read`, { artifact_id: artifact.id });
      }
      const limits = fileNameLimits(this.core.config.artifacts);
      const files = version.files.map((f) => ({ name: f.name, bytes: this.artifacts.bytes.readBundleFile(version.content_hash, f.name, limits) }));
      write(input.agent_id, files);
      const update = { agent_id: input.agent_id, by_id: input.by_id, artifact_id: artifact.id, version: version.version, content_hash: version.content_hash, files: files.map((f) => f.name) };
      tx.emit('agent_code_updated', update);
      return update;
    });
  }
}
