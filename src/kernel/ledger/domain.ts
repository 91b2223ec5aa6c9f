// The ledger joins the engine: accounts and postings, and conservation for the audit. Its
// `everyEvent` applies the postings any domain's money-moving event carries.
import { defineDomain } from '../engine/domain.js';
import { conservationOf } from './commands.js';
import { ledgerEvents, type Posting } from './events.js';
import { applyPostings, ledgerProjectors } from './projection.js';

export const ledgerDomain = defineDomain({
  name: 'ledger',
  events: ledgerEvents,
  projectors: [ledgerProjectors],
  everyEvent(w, event) {
    const data = event.data as { postings?: readonly Posting[] };
    if (data.postings !== undefined && data.postings.length > 0) applyPostings(w, data.postings, event);
  },
  tables: ['meta', 'accounts', 'postings'],
  invariants: { conservation: conservationOf },
});
