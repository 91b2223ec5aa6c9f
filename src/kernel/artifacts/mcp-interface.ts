// The interface of an mcp_server artifact: its tools as the server listed them at publish (name,
// description, input schema), each priced by its publisher or at mcp.server_call_price_default_ucr,
// and all with one output schema, the MCP tool result as Agora keeps it. Pinned in the version
// like a code artifact's interface: calls are checked against it, never against a later listing.
import type { ArtifactInterface } from './events.js';

export const MCP_RESULT_SCHEMA: Record<string, unknown> = {
  type: 'object',
  required: ['content', 'isError'],
  properties: {
    content: { type: 'array', items: { type: 'object', required: ['type'], properties: { type: { enum: ['text', 'image', 'audio', 'resource_link', 'resource'] } } } },
    structuredContent: { type: 'object' },
    isError: { type: 'boolean' },
  },
};

export function mcpInterface(listed: { name: string; description: string; input_schema: Record<string, unknown> }[], prices_ucr: Record<string, number>, default_price_ucr: number): ArtifactInterface {
  return {
    tools: listed.map((t) => ({
      name: t.name,
      description: t.description,
      input_schema: t.input_schema,
      output_schema: MCP_RESULT_SCHEMA,
      pricing: { kind: 'fixed' as const, price_ucr: Object.hasOwn(prices_ucr, t.name) ? prices_ucr[t.name]! : default_price_ucr },
    })),
  };
}
