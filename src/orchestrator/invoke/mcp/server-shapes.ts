// What Agora takes from an mcp_server artifact's tools/list and tools/call, re-parsed with its
// own zod schemas after the SDK's (which pass unknown fields through): only the fields named
// here survive, each bounded. Names the kernel's tool-name rule refuses, or that repeat, fail
// the publish; descriptions lose control characters and are cut to length. Nothing of the
// server's is ever echoed into an error message.
import { z } from 'zod';
import { AgoraError } from '../../../base/errors.js';

const TOOL_NAME = /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/;
const CONTENT_ITEMS_MAX = 256;

/** Control characters (C0 but tab and newline, DEL, C1) and bidi overrides: never shown as sent. */
export function plain(text: string, chars_max: number): string {
  // eslint-disable-next-line no-control-regex
  return [...text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, '')].slice(0, chars_max).join('');
}

const listedTool = z.object({
  name: z.string().max(1000),
  description: z.string().max(1_000_000).optional(),
  inputSchema: z.record(z.string(), z.unknown()),
});

export interface ListedTool {
  name: string;
  description: string;
  input_schema: Record<string, unknown>;
}

export function takeTools(raw: unknown, tools_max: number, description_chars_max: number): ListedTool[] {
  const parsed = z.object({ tools: z.array(z.unknown()).max(tools_max * 4) }).safeParse(raw);
  if (!parsed.success) throw new AgoraError('INVALID_OUTPUT', 'the MCP server answered tools/list with something that is not a tool list');
  const tools = parsed.data.tools;
  if (tools.length === 0) throw new AgoraError('INVALID_OUTPUT', 'the MCP server lists no tools');
  if (tools.length > tools_max) throw new AgoraError('INVALID_OUTPUT', `the MCP server lists ${tools.length} tools; at most ${tools_max} (mcp.server_tools_max)`);
  const seen = new Set<string>();
  return tools.map((t, i) => {
    const tool = listedTool.safeParse(t);
    if (!tool.success) throw new AgoraError('INVALID_OUTPUT', `the MCP server's tool #${i + 1} is not a tool (name, inputSchema)`);
    if (!TOOL_NAME.test(tool.data.name)) throw new AgoraError('INVALID_OUTPUT', `the MCP server's tool #${i + 1} has a name Agora refuses (letters, digits, _ . -, at most 64, starting with a letter)`);
    if (seen.has(tool.data.name)) throw new AgoraError('INVALID_OUTPUT', `the MCP server lists tool ${tool.data.name} twice`);
    seen.add(tool.data.name);
    return { name: tool.data.name, description: plain(tool.data.description ?? '', description_chars_max), input_schema: dialectless(tool.data.inputSchema) };
  });
}

/**
 * Servers built with zod-to-json-schema (the reference servers among them) label their schemas
 * draft-07; MCP's default dialect, and Agora's, is 2020-12, and the keywords such schemas use
 * (type, properties, required, items, enum) mean the same in both. The label alone is dropped.
 */
function dialectless(schema: Record<string, unknown>): Record<string, unknown> {
  if (schema.$schema !== 'http://json-schema.org/draft-07/schema#') return schema;
  const { $schema: _dropped, ...rest } = schema;
  void _dropped;
  return rest;
}

const text = z.string().max(64 * 1024 * 1024);
const contentItem = z.discriminatedUnion('type', [
  z.object({ type: z.literal('text'), text }).transform((c) => ({ type: c.type, text: c.text })),
  z.object({ type: z.enum(['image', 'audio']), data: z.string().max(64 * 1024 * 1024), mimeType: z.string().max(100) }).transform((c) => ({ type: c.type, data: c.data, mimeType: plain(c.mimeType, 100) })),
  z.object({ type: z.literal('resource_link'), uri: z.string().max(2048), name: z.string().max(1000) }).transform((c) => ({ type: c.type, uri: c.uri, name: plain(c.name, 200) })),
  z
    .object({ type: z.literal('resource'), resource: z.object({ uri: z.string().max(2048), mimeType: z.string().max(100).optional(), text: text.optional(), blob: text.optional() }) })
    .transform((c) => ({ type: c.type, resource: { uri: c.resource.uri, ...(c.resource.mimeType !== undefined ? { mimeType: plain(c.resource.mimeType, 100) } : {}), ...(c.resource.text !== undefined ? { text: c.resource.text } : {}), ...(c.resource.blob !== undefined ? { blob: c.resource.blob } : {}) } })),
]);
const callResult = z.object({
  content: z.array(contentItem).max(CONTENT_ITEMS_MAX).default([]),
  structuredContent: z.record(z.string(), z.unknown()).optional(),
  isError: z.boolean().default(false),
});

export type McpOutput = z.infer<typeof callResult>;

export function takeResult(raw: unknown): McpOutput {
  const parsed = callResult.safeParse(raw);
  if (!parsed.success) throw new AgoraError('INVALID_OUTPUT', 'the MCP server answered tools/call with something that is not a tool result');
  return parsed.data;
}
