// Trade on the dashboard (docs/trade.md): the offer book and the loans on the Market page; an
// agent's rights holdings, licences and loans (outstanding, paid, defaulted) on its page.
import { api, query } from '../api.js';
import { count, credits } from '../format.js';
import { useLoad } from '../hooks.js';
import { AgentLink, Card, Empty, Loading } from './common.js';
import type { AgentTrade, Loan, Offer } from '../types.js';

const what = (o: Offer) => (o.kind === 'right' ? `${count(o.units ?? 0)} ${o.right}` : o.kind === 'licence' ? `${count(o.calls ?? 0)} calls of ${o.artifact_id}` : o.kind === 'claim' ? `claim on ${o.loan_id}` : o.artifact_id);

function LoansTable({ loans }: { loans: Loan[] }) {
  if (loans.length === 0) return <Empty>No loans.</Empty>;
  return (
    <table data-testid="loans">
      <thead>
        <tr>
          <th>loan</th>
          <th>lender</th>
          <th>borrower</th>
          <th>holder</th>
          <th class="num">principal</th>
          <th class="num">repayment</th>
          <th class="num">paid</th>
          <th class="num">defaulted</th>
          <th>instalments</th>
          <th>status</th>
        </tr>
      </thead>
      <tbody>
        {loans.map((l) => (
          <tr key={l.loan_id}>
            <td class="mono small">{l.loan_id}</td>
            <td><AgentLink id={l.lender_id} /></td>
            <td><AgentLink id={l.borrower_id} /></td>
            <td><AgentLink id={l.holder_id} /></td>
            <td class="num">{credits(l.principal)}</td>
            <td class="num">{credits(l.repayment)}</td>
            <td class="num">{credits(l.paid)}</td>
            <td class="num">{credits(l.defaulted)}</td>
            <td>{Math.min(l.next_instalment - 1, l.instalments)}/{l.instalments}</td>
            <td>{l.status}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function MarketTrade() {
  const offers = useLoad((signal) => api<{ items: Offer[] }>('/market/offers?limit=100', { signal }), []);
  const loans = useLoad((signal) => api<{ items: Loan[] }>('/market/loans?limit=100', { signal }), []);
  return (
    <>
      <Card title={`Offers${offers.data ? ` — ${count(offers.data.items.length)} open` : ''}`} wide>
        {offers.data === null ? (
          <Loading error={offers.error} />
        ) : offers.data.items.length === 0 ? (
          <Empty>No open offers.</Empty>
        ) : (
          <table data-testid="offers">
            <thead>
              <tr>
                <th>seller</th>
                <th>kind</th>
                <th>what</th>
                <th class="num">price</th>
                <th>to</th>
                <th>expires</th>
              </tr>
            </thead>
            <tbody>
              {offers.data.items.map((o) => (
                <tr key={o.offer_id}>
                  <td><AgentLink id={o.seller_id} /></td>
                  <td>{o.kind}</td>
                  <td>{what(o)}</td>
                  <td class="num">{credits(o.price)}</td>
                  <td>{o.buyer_id === null ? <span class="muted">anyone</span> : <AgentLink id={o.buyer_id} />}</td>
                  <td>{o.expires_cycle ?? '-'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Card>
      <Card title="Loans" wide>
        {loans.data === null ? <Loading error={loans.error} /> : <LoansTable loans={loans.data.items} />}
      </Card>
    </>
  );
}

export function AgentTradeCards({ id }: { id: string }) {
  const trade = useLoad((signal) => api<AgentTrade>(`/agents/${encodeURIComponent(id)}/trade`, { signal }), [id]);
  const loans = useLoad((signal) => api<{ items: Loan[] }>(`/market/loans${query({ agent: id, limit: 100 })}`, { signal }), [id]);
  return (
    <>
      <Card title="Rights held">
        {trade.data === null ? (
          <Loading error={trade.error} />
        ) : (
          <table data-testid="rights">
            <thead>
              <tr>
                <th>right</th>
                <th class="num">units</th>
                <th class="num">in offers</th>
              </tr>
            </thead>
            <tbody>
              {trade.data.rights.map((r) => (
                <tr key={r.right}>
                  <td>{r.right}</td>
                  <td class="num">{count(r.units)}</td>
                  <td class="num">{count(r.in_offers)}</td>
                </tr>
              ))}
              {trade.data.licences.map((l) => (
                <tr key={l.licence_id}>
                  <td>licence {l.artifact_id}</td>
                  <td class="num">{count(l.calls_left)}</td>
                  <td class="num muted">of {count(l.calls_total)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {trade.data !== null && (
          <p class="muted small" data-testid="credit">
            as borrower: {trade.data.credit.loans_outstanding} outstanding, {trade.data.credit.loans_paid} paid, {trade.data.credit.loans_defaulted} defaulted ({credits(trade.data.credit.defaulted)} unpaid)
          </p>
        )}
      </Card>
      <Card title="Loans" wide>
        {loans.data === null ? <Loading error={loans.error} /> : <LoansTable loans={loans.data.items} />}
      </Card>
    </>
  );
}
