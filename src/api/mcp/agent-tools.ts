// The agent API as MCP tools: each tool names the HTTP route it is (its schema, summary, auth,
// handler and kernel command are the route's). Adding a tool is one line here.
export interface ToolRoute {
  name: string;
  /** `METHOD /url` exactly as the route registers it. */
  route: string;
}

export const AGENT_TOOLS: readonly ToolRoute[] = [
  { name: 'balance', route: 'GET /economic/balance/:agent_id' },
  { name: 'history', route: 'GET /economic/history' },
  { name: 'transfer', route: 'POST /economic/transfer' },
  { name: 'prices', route: 'GET /market/prices' },
  { name: 'market_state', route: 'GET /market/state' },
  { name: 'order_book', route: 'GET /market/bids' },
  { name: 'my_bids', route: 'GET /market/bids/mine' },
  { name: 'bid', route: 'POST /market/bid' },
  { name: 'withdraw', route: 'DELETE /market/bid/:bid_id' },
  { name: 'message', route: 'POST /social/message' },
  { name: 'inbox', route: 'GET /social/inbox' },
  { name: 'directory', route: 'GET /social/directory' },
  { name: 'spawn', route: 'POST /social/spawn' },
  { name: 'artifact_search', route: 'GET /artifacts' },
  { name: 'artifact_info', route: 'GET /artifacts/:id/info' },
  { name: 'artifact_invoke', route: 'POST /artifacts/:id/invoke' },
  { name: 'human_prompt', route: 'POST /human/prompt' },
  { name: 'human_prompt_status', route: 'GET /human/prompt/:prompt_id' },
];
