// Trade (Agora's docs/trade.md), as a genesis-lineage agent does it once per run. A parent
// lends to its living children (or, cautious, sells them a slice of its LLM rate share); a
// child short of credits accepts its parent's loan; a child with credits to spare buys the
// rights on offer it can afford. The `risk` gene decides the side: a daring agent lends and
// buys, a cautious one sells and borrows only when short, so children with other genes trade
// differently. Every acceptance names the price, revision and content hash it saw, so a
// changed offer fails rather than costing more.
import type { Client } from './client.js';
import { creditsText, toUcr } from './decide.js';
import type { Strategy } from './strategy.js';

interface Offer {
  offer_id: string;
  seller_id: string;
  kind: string;
  right: string | null;
  units: number | null;
  price: number;
  buyer_id: string | null;
  revision: number;
  content_hash: string | null;
}

interface Loan {
  loan_id: string;
  proposer_id: string;
  lender_id: string;
  borrower_id: string;
  principal: number;
  repayment: number;
  status: string;
}

export interface TradeContext {
  agent_id: string;
  parent_id: string | null;
  children: readonly string[];
  alive: (agent_id: string) => boolean;
  strategy: Strategy;
  /** Credits this run may put into trade without touching the runs it keeps in reserve. */
  spare_ucr: number;
  /** One run's cost: the yardstick of "short" and of a loan's size. */
  run_cost_ucr: number;
  balance_ucr: number;
}

const RATE_SLICE_UNITS = 5;
const BUDGET_SLICE_UNITS = 20_000;

/** One run's trading; returns what it did, for the trace. */
export async function tradeTurn(api: Client, ctx: TradeContext, notes: string[]): Promise<string> {
  const done: string[] = [];
  const note = (what: string) => (err: unknown) => notes.push(`${what}: ${String(err)}`);
  const daring = ctx.strategy.risk >= 0.5;
  const loans = await api.get<{ items: Loan[] }>(`/market/loans?agent=${ctx.agent_id}&limit=200`).then((r) => r.items, () => [] as Loan[]);
  const open = (other: string) => loans.some((l) => (l.lender_id === other || l.borrower_id === other) && (l.status === 'proposed' || l.status === 'outstanding'));

  // A parent's side: a loan to each living child without one (daring), or a rate-share slice.
  let spare = ctx.spare_ucr;
  // A child that declined a loan is not asked again (each proposal would only be churn).
  const declined = (child: string) => loans.some((l) => l.borrower_id === child && l.status === 'withdrawn');
  for (const child of ctx.children.filter(ctx.alive)) {
    if (open(child)) continue;
    // A daring parent lends more, and asks more back.
    const principal = Math.floor(ctx.run_cost_ucr * (daring ? 3 : 1) * (1 + 2 * ctx.strategy.spawn_share));
    if (principal > 0 && spare >= principal && !declined(child)) {
      const repayment = Math.ceil(principal * (1 + ctx.strategy.bid_markup / 4));
      await api
        .post('/market/loans', { counterparty: child, role: 'lender', principal: creditsText(principal), repayment: creditsText(repayment), instalments: 2, first_due_in_cycles: 4, every_cycles: 4 })
        .then(() => {
          spare -= principal;
          done.push(`offered a loan of ${creditsText(principal)} to ${child}`);
        }, note('loan'));
    }
    if (!daring) {
      const mine = await api.get<{ items: Offer[] }>(`/market/offers?seller=${ctx.agent_id}`).then((r) => r.items, () => [] as Offer[]);
      if (!mine.some((o) => o.buyer_id === child)) {
        const price = Math.max(1, Math.floor(ctx.run_cost_ucr / 50));
        await api
          .post('/market/offers', { kind: 'right', right: 'llm_requests_per_minute', units: RATE_SLICE_UNITS, price: creditsText(price), buyer: child, expires_in_cycles: 30 })
          .then(() => done.push(`offered ${RATE_SLICE_UNITS} requests/min to ${child}`), note('offer'));
      }
    }
  }

  // A child's side: accept its parent's loan when short of credits for a few runs.
  for (const loan of loans) {
    if (loan.status !== 'proposed' || loan.borrower_id !== ctx.agent_id || loan.proposer_id === ctx.agent_id) continue;
    if (loan.lender_id !== ctx.parent_id) continue;
    const short = ctx.balance_ucr < ctx.run_cost_ucr * ctx.strategy.reserve_runs;
    if (!short && !daring) {
      await api.delete(`/market/loans/${loan.loan_id}`).then(() => done.push(`declined ${loan.loan_id}`), note('decline'));
      continue;
    }
    await api
      .post(`/market/loans/${loan.loan_id}/accept`, { principal: loan.principal, repayment: loan.repayment })
      .then(() => done.push(`borrowed ${loan.principal} from ${loan.lender_id}`), note('borrow'));
  }

  // With credits to spare: buy rights on offer (to us, or to anyone) that fit what is spare.
  if (spare > 0) {
    const book = await api.get<{ items: Offer[] }>('/market/offers?kind=right&limit=100').then((r) => r.items, () => [] as Offer[]);
    const wanted = book
      .filter((o) => o.seller_id !== ctx.agent_id && (o.buyer_id === null || o.buyer_id === ctx.agent_id) && o.content_hash !== null)
      .filter((o) => toUcr(o.price) <= spare * (daring ? 0.5 : 0.2))
      .sort((a, b) => a.price - b.price);
    for (const o of wanted.slice(0, daring ? 2 : 1)) {
      await api
        .post(`/market/offers/${o.offer_id}/accept`, { price: o.price, revision: o.revision, content_hash: o.content_hash })
        .then(() => {
          spare -= toUcr(o.price);
          done.push(`bought ${o.units} ${o.right} from ${o.seller_id}`);
        }, note('buy'));
    }
    // A daring agent rich in token budget sells a slice to whoever wants it.
    if (daring && ctx.children.length === 0 && ctx.parent_id !== null) {
      const mine = await api.get<{ items: Offer[] }>(`/market/offers?seller=${ctx.agent_id}`).then((r) => r.items, () => [] as Offer[]);
      if (mine.length === 0) {
        await api
          .post('/market/offers', { kind: 'right', right: 'llm_token_budget', units: BUDGET_SLICE_UNITS, price: creditsText(Math.max(1, Math.floor(ctx.run_cost_ucr / 20))), expires_in_cycles: 20 })
          .then(() => done.push(`offered ${BUDGET_SLICE_UNITS} budget tokens`), note('offer'));
      }
    }
  }
  return done.length === 0 ? '-' : done.join(', ');
}
