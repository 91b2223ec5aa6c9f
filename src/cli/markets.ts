// `agora markets`: prices and utilisation per resource, the top of the order book, and the
// recent clearings. The operator's view: sealed (attention) amounts are shown.
import type { Command } from 'commander';
import { bundleToNatural, priceToCredits, RESOURCES, resourceUnits } from '../kernel/resources/units.js';
import { microToCredits } from '../kernel/ledger/money.js';
import { positiveInt } from './options.js';
import { formatTable } from './table.js';
import { printOutput } from './output.js';
import { withWorld } from './world-access.js';

const percent = (x: number) => `${(x * 100).toFixed(1)}%`;

export function registerMarketsCommand(program: Command): void {
  program
    .command('markets')
    .description('market prices, utilisation, the order book and recent clearings')
    .option('-n, --limit <n>', 'order book rows', positiveInt, 20)
    .option('--clearings <n>', 'recent clearings', positiveInt, 5)
    .option('--json', 'machine-readable output')
    .action((_opts, command: Command) =>
      withWorld(command, (world, options) => {
        const market = world.kernel.market;
        const state = market.state();
        const book = market.orderBook({ offset: 0, limit: options.limit as number });
        const history = market.history({ trades: 1, cycles: options.clearings as number });
        const resources = RESOURCES.map((r) => {
          const s = state.resources[r];
          const base = resourceUnits[r].base_per_natural;
          return { resource: r, unit: resourceUnits[r].natural, price: priceToCredits(r, s.price_ncr), supply: s.supply / base, demand: s.demand / base, allocated: s.allocated / base, held: s.held / base, utilization: s.utilization };
        });
        const entries = book.items.map((e, rank) => ({
          rank,
          bid_id: e.bid.id,
          payer_id: e.bid.payer_id,
          agent_id: e.bid.agent_id,
          amount: microToCredits(e.bid.amount_ucr),
          reserve: microToCredits(e.reserve_ucr),
          score: e.bid.amount_ucr / e.reserve_ucr,
          sealed: e.sealed,
          bundle: bundleToNatural(e.bid.bundle),
          expires_after_cycle: e.bid.expires_after_cycle,
        }));
        const json = { cycle: state.cycle, clearing_interval_s: world.config.market.clearing_interval_s, open_bids: state.open_bids, resources, order_book: entries, clearings: history.clearings };
        const text = [
          `market cycle ${state.cycle}${state.opened ? '' : ' (not opened yet)'}, clearing every ${world.config.market.clearing_interval_s} s, ${state.open_bids} open bids holding ${microToCredits(state.open_escrow_ucr)} credits`,
          '',
          formatTable(
            ['resource', 'price', 'per', 'supply', 'demand', 'allocated', 'held', 'utilization'],
            resources.map((r) => [r.resource, r.price, r.unit, r.supply, r.demand, r.allocated, r.held, percent(r.utilization)]),
          ),
          '',
          `order book (first ${entries.length} of ${book.total}, in clearing order; sealed attention bids last)`,
          formatTable(
            ['rank', 'bid', 'payer', 'runs', 'amount', 'reserve', 'score', 'cpu_s', 'mem_mb', 'tokens', 'attn', 'dur_s', 'until'],
            entries.map((e) => [e.rank, e.bid_id, e.payer_id, e.agent_id, e.amount, e.reserve, e.sealed ? 'sealed' : e.score.toFixed(3), e.bundle.cpu, e.bundle.memory, e.bundle.tokens, e.bundle.attention, e.bundle.duration_s, e.expires_after_cycle]),
          ),
          '',
          'recent clearings',
          formatTable(
            ['cycle', 'at', 'open', 'won', 'outbid', 'below_reserve', 'expired', 'burned'],
            history.clearings.map((c) => [c.cycle, new Date(c.at_ms).toISOString(), c.open_bids, c.won, c.outbid, c.below_reserve, c.expired, microToCredits(c.burned_ucr)]),
          ),
        ].join('\n');
        printOutput(json, text, options.json);
      }),
    );
}
