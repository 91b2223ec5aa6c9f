// Checks a publish or update request before anything is written: sizes, names, the interface
// (each tool's schemas compiled by Ajv), contract documents. Pure but for Ajv's cache.
import type { Config } from '../../config/schema.js';
import { AgoraError } from '../../base/errors.js';
import { checkRelativeName, type BundleFile, type FileNameLimits } from '../../store/artifact-bytes.js';
import { interfaceSchema, type ArtifactInterface } from './events.js';
import { checkSchema } from './json-schema.js';
import { parseContractDocument } from './contracts.js';

/** mcp_server: a code bundle whose entry speaks MCP on stdio; its interface is its tools/list (docs/mcp.md). */
export type ArtifactKind = 'data' | 'code' | 'contract' | 'mcp_server';

/** The bytes and metadata of a version as a request gives them (content already decoded). */
export interface VersionInput {
  content?: Buffer;
  media_type?: string;
  files?: BundleFile[];
  entry?: string;
  interface?: unknown;
}

export interface MetadataInput {
  name?: string;
  description?: string;
  tags?: string[];
  price_read_ucr?: number;
  access_contract_id?: string;
}

type Limits = Config['artifacts'];

export function fileNameLimits(limits: Limits): FileNameLimits {
  return { depth_max: limits.file_path_depth_max, component_chars_max: limits.file_name_chars_max };
}

const invalid = (message: string, field: string, details: Record<string, unknown> = {}) => new AgoraError('INVALID_ARGS', message, { field, ...details });

export function checkMetadata(m: MetadataInput, limits: Limits, required: boolean): void {
  if (required && (m.name === undefined || m.name.trim() === '')) throw invalid('name is required', 'name');
  if (m.name !== undefined && ([...m.name].length > limits.name_chars_max || m.name.trim() === '')) {
    throw invalid(`name must be 1 to ${limits.name_chars_max} characters (artifacts.name_chars_max)`, 'name');
  }
  if (m.description !== undefined && [...m.description].length > limits.description_chars_max) {
    throw invalid(`description is longer than ${limits.description_chars_max} characters (artifacts.description_chars_max)`, 'description');
  }
  if (m.tags !== undefined) {
    if (m.tags.length > limits.tags_max) throw invalid(`at most ${limits.tags_max} tags (artifacts.tags_max)`, 'tags');
    for (const tag of m.tags) {
      if (!/^[a-z0-9][a-z0-9_.-]*$/.test(tag) || tag.length > limits.tag_chars_max) {
        throw invalid(`tag ${JSON.stringify(tag.slice(0, 64))} must be lower-case letters, digits, ".", "-", "_", at most ${limits.tag_chars_max} characters`, 'tags');
      }
    }
    if (new Set(m.tags).size !== m.tags.length) throw invalid('tags must not repeat', 'tags');
  }
  if (m.price_read_ucr !== undefined && (!Number.isSafeInteger(m.price_read_ucr) || m.price_read_ucr < 0)) throw invalid('price_read must be a non-negative amount', 'price_read');
}

/** The interface, parsed and with every schema checked; INVALID_ARGS naming the first fault. */
export function checkInterface(raw: unknown, limits: Limits): ArtifactInterface {
  const parsed = interfaceSchema().safeParse(raw);
  if (!parsed.success) throw invalid(`interface: ${parsed.error.issues.slice(0, 5).map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`, 'interface');
  const iface = parsed.data;
  if (iface.tools.length > limits.tools_max) throw invalid(`at most ${limits.tools_max} tools (artifacts.tools_max)`, 'interface');
  const names = new Set<string>();
  for (const [i, tool] of iface.tools.entries()) {
    if (names.has(tool.name)) throw invalid(`tool ${tool.name} is defined twice`, 'interface');
    names.add(tool.name);
    if ([...tool.description].length > limits.description_chars_max) throw invalid(`tool ${tool.name}: description too long`, 'interface');
    checkSchema(tool.input_schema, `interface.tools[${i}].input_schema`, limits.schema_bytes_max);
    checkSchema(tool.output_schema, `interface.tools[${i}].output_schema`, limits.schema_bytes_max);
  }
  return iface;
}

export interface CheckedVersion {
  content: Buffer | null;
  media_type: string | null;
  files: BundleFile[] | null;
  entry: string | null;
  interface: ArtifactInterface | null;
  bytes: number;
}

/** What a version of an artifact of `kind` may hold, checked; bytes counted. */
export function checkVersion(kind: ArtifactKind, v: VersionInput, limits: Limits): CheckedVersion {
  const bundle = v.files !== undefined || v.entry !== undefined;
  if (bundle && v.content !== undefined) throw invalid('give content or files, not both', 'content');
  if (kind === 'data' && bundle) throw invalid('a data artifact holds content, not files', 'files');
  const runs = kind === 'code' || kind === 'mcp_server';
  if (runs && !bundle) throw invalid(`a ${kind} artifact needs files and an entry point`, 'files');
  if (!runs && v.interface !== undefined && !bundle) throw invalid('only code has an interface', 'interface');
  if (!bundle) {
    if (v.content === undefined) throw invalid('content is required', 'content');
    if (v.content.length > limits.content_bytes_max) {
      throw new AgoraError('PAYLOAD_TOO_LARGE', `content is ${v.content.length} bytes; at most ${limits.content_bytes_max} (artifacts.content_bytes_max)`, { field: 'content' });
    }
    const media_type = v.media_type ?? (kind === 'contract' ? 'application/json' : 'application/octet-stream');
    if (!/^[a-z0-9.+-]+\/[a-z0-9.+-]+$/.test(media_type) || media_type.length > 100) throw invalid('media_type must look like type/subtype', 'media_type');
    if (kind === 'contract') parseContractDocument(v.content, limits.allow_list_max);
    return { content: v.content, media_type, files: null, entry: null, interface: null, bytes: v.content.length };
  }
  const files = v.files ?? [];
  if (files.length === 0 || files.length > limits.bundle_files_max) throw invalid(`a bundle holds 1 to ${limits.bundle_files_max} files (artifacts.bundle_files_max)`, 'files');
  const seen = new Set<string>();
  let bytes = 0;
  for (const file of files) {
    checkRelativeName(file.name, fileNameLimits(limits));
    if (seen.has(file.name)) throw invalid(`file ${file.name} is given twice`, 'files');
    // A file and a directory of the same name cannot both exist.
    for (const other of seen) if (other.startsWith(`${file.name}/`) || file.name.startsWith(`${other}/`)) throw invalid(`file ${file.name} clashes with ${other}`, 'files');
    seen.add(file.name);
    if (file.bytes.length > limits.bundle_file_bytes_max) {
      throw new AgoraError('PAYLOAD_TOO_LARGE', `file ${file.name} is ${file.bytes.length} bytes; at most ${limits.bundle_file_bytes_max} (artifacts.bundle_file_bytes_max)`, { field: 'files' });
    }
    bytes += file.bytes.length;
  }
  if (bytes > limits.bundle_bytes_max) throw new AgoraError('PAYLOAD_TOO_LARGE', `the bundle is ${bytes} bytes; at most ${limits.bundle_bytes_max} (artifacts.bundle_bytes_max)`, { field: 'files' });
  if (v.entry === undefined || !seen.has(v.entry)) throw invalid('entry must name one of the files', 'entry');
  const iface = runs || v.interface !== undefined ? checkInterface(v.interface, limits) : null;
  return { content: null, media_type: null, files, entry: v.entry, interface: iface, bytes };
}
