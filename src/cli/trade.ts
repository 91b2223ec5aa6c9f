// `agora offers` (the offer book, like GET /market/offers) and `agora loans` (loans: proposed,
// outstanding, paid, defaulted). Ids and rights are agents' choices: every field printed inert.
import type { Command } from 'commander';
import { AgoraError } from '../base/errors.js';
import { microToCredits } from '../kernel/ledger/money.js';
import { inert } from './inert.js';
import { positiveInt } from './options.js';
import { printOutput } from './output.js';
import { formatTable } from './table.js';
import { withWorld } from './world-access.js';

const OFFER_STATUSES = ['open', 'accepted', 'withdrawn', 'expired'];
const LOAN_STATUSES = ['proposed', 'outstanding', 'paid', 'defaulted', 'withdrawn'];

export function registerTradeCommands(program: Command): void {
  program
    .command('offers')
    .description('the offer book: artifacts, licences, loan claims and rights for sale (open by default)')
    .option('--status <status>', OFFER_STATUSES.join(', '), 'open')
    .option('--seller <agent>', 'only this seller')
    .option('-n, --limit <n>', 'rows', positiveInt, 50)
    .option('--json', 'machine-readable output')
    .action((_opts, command: Command) =>
      withWorld(command, (world, options) => {
        const status = options.status as string;
        if (!OFFER_STATUSES.includes(status)) throw new AgoraError('INVALID_ARGS', `--status is ${OFFER_STATUSES.join(', ')}`);
        const offers = world.kernel.trade.offers.list({ status: status as 'open', ...(options.seller === undefined ? {} : { seller_id: options.seller as string }), limit: options.limit as number });
        const rows = offers.map((o) => ({
          offer_id: o.offer_id,
          seller: o.seller_id,
          kind: o.kind,
          what: o.kind === 'right' ? `${o.units} ${o.right_name}` : o.kind === 'licence' ? `${o.calls} calls of ${o.artifact_id}` : o.kind === 'claim' ? o.loan_id : o.artifact_id,
          price: microToCredits(o.price_ucr),
          buyer: o.buyer_id,
          expires_cycle: o.expires_cycle,
          status: o.status,
          accepted_by: o.accepted_by,
        }));
        const text = formatTable(
          ['offer', 'seller', 'kind', 'what', 'price', 'buyer', 'expires', 'status'],
          rows.map((r) => [r.offer_id, r.seller, r.kind, r.what ?? '-', r.price, r.buyer ?? 'anyone', r.expires_cycle ?? '-', r.accepted_by === null ? r.status : `${r.status} by ${r.accepted_by}`].map(inert)),
        );
        printOutput({ items: rows }, rows.length === 0 ? `no ${inert(status)} offers` : text, options.json);
      }),
    );

  program
    .command('loans')
    .description('loans between agents: principal, repayment, who holds the claim, paid and defaulted')
    .option('--status <status>', LOAN_STATUSES.join(', '))
    .option('--agent <agent>', 'only loans this agent is party to or holds')
    .option('-n, --limit <n>', 'rows', positiveInt, 50)
    .option('--json', 'machine-readable output')
    .action((_opts, command: Command) =>
      withWorld(command, (world, options) => {
        const status = options.status as string | undefined;
        if (status !== undefined && !LOAN_STATUSES.includes(status)) throw new AgoraError('INVALID_ARGS', `--status is ${LOAN_STATUSES.join(', ')}`);
        const loans = world.kernel.trade.loans.list({ ...(status === undefined ? {} : { status: status as 'paid' }), ...(options.agent === undefined ? {} : { agent_id: options.agent as string }), limit: options.limit as number });
        const rows = loans.map((l) => ({
          loan_id: l.loan_id,
          lender: l.lender_id,
          borrower: l.borrower_id,
          holder: l.holder_id,
          principal: microToCredits(l.principal_ucr),
          repayment: microToCredits(l.repayment_ucr),
          instalments: `${Math.min(l.next_instalment - 1, l.instalments)}/${l.instalments}`,
          next_due_cycle: l.next_due_cycle,
          paid: microToCredits(l.paid_ucr),
          defaulted: microToCredits(l.defaulted_ucr),
          status: l.status,
        }));
        const text = formatTable(
          ['loan', 'lender', 'borrower', 'holder', 'principal', 'repayment', 'due', 'next', 'paid', 'defaulted', 'status'],
          rows.map((r) => [r.loan_id, r.lender, r.borrower, r.holder, r.principal, r.repayment, r.instalments, r.next_due_cycle ?? '-', r.paid, r.defaulted, r.status].map(inert)),
        );
        printOutput({ items: rows }, rows.length === 0 ? 'no loans' : text, options.json);
      }),
    );
}
