// Trade joins the engine: offers, licences, loans and their collections, rights and their
// supply, rebuilt by `agora audit`, and the invariants of docs/trade.md it checks.
import { defineDomain } from '../engine/domain.js';
import { tradeEvents } from './events.js';
import { loanClaimsOwnedOf, loansConsistentOf, rightsConservedOf, rightsHeldOnceOf } from './invariants.js';
import { tradeProjectors, tradeTables } from './projection.js';

export const tradeDomain = defineDomain({
  name: 'trade',
  events: tradeEvents,
  projectors: [tradeProjectors],
  tables: tradeTables,
  invariants: { rights_conserved: rightsConservedOf, rights_held_once: rightsHeldOnceOf, loans_consistent: loansConsistentOf, loan_claims_owned: loanClaimsOwnedOf },
});
