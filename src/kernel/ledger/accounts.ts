// Account naming. An agent's account id is its agent id; its escrow is `escrow:<agent>`;
// system accounts are `system:<name>`. Agent ids never contain ':' so the forms never clash.
export const SYSTEM_MINT = 'system:mint';
export const SYSTEM_HUMAN = 'system:human';
export const SYSTEM_BURN = 'system:burn';

/** The human operator as the journal names it: actor of its commands, sender of its replies. */
export const OPERATOR = 'operator';

/** Accounts that may go negative: the only places credits come from. */
export const SOURCE_ACCOUNTS = [SYSTEM_MINT, SYSTEM_HUMAN] as const;
export const SINK_ACCOUNTS = [SYSTEM_BURN] as const;

export function escrowAccount(agent_id: string): string {
  return `escrow:${agent_id}`;
}

/** The agent an account belongs to (its own or its escrow), or null for system accounts. */
export function accountOwner(account_id: string): string | null {
  if (account_id.startsWith('escrow:')) return account_id.slice('escrow:'.length);
  if (account_id.startsWith('system:')) return null;
  return account_id;
}

export const AGENT_ID_PATTERN = /^[a-z0-9][a-z0-9_-]{0,63}$/;
