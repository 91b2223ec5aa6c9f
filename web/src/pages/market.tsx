// The market: each resource's price and utilisation over cycles, the open order book, and what
// the recent clearings did.
import { api } from '../api.js';
import { Chart } from '../chart.js';
import { bundle, count, credits, percent } from '../format.js';
import { useLoad } from '../hooks.js';
import { RESOURCES, type BookEntry, type Clearing, type Series, type Trade } from '../types.js';
import { AgentLink, Card, COLORS, Empty, Loading } from './common.js';
import { MarketTrade } from './trade.js';

const BOOK_ROWS = 50;
const RECENT = 20;

export function MarketPage() {
  const series = useLoad((signal) => api<Series>('/operator/series', { signal }), [], { min_interval_ms: 2000 });
  const book = useLoad((signal) => api<{ cycle: number; total: number; items: BookEntry[] }>(`/market/bids?limit=${BOOK_ROWS}`, { signal }), []);
  const history = useLoad(
    (signal) => api<{ clearings: Clearing[]; trades: Trade[] }>(`/market/history?cycles=${RECENT}&trades=${RECENT}`, { signal }),
    [],
    { min_interval_ms: 2000 },
  );

  return (
    <div class="page">
      <h1>Market</h1>
      {series.data === null ? (
        <Loading error={series.error} />
      ) : (
        <div class="grid">
          {RESOURCES.map((r) => {
            const s = series.data!.resources[r];
            const last = s.price.length - 1;
            return (
              <Card
                title={`${r} — ${credits(s.price[last] ?? 0)} per ${s.unit}`}
                actions={<span class="muted">{last >= 0 ? `${percent(s.utilization[last] ?? 0)} used last cycle` : ''}</span>}
              >
                <Chart
                  name={`price-${r}`}
                  x={s.cycle}
                  xLabel="cycle"
                  lines={[
                    { label: 'price', color: COLORS.price, values: s.price, format: credits },
                    { label: 'utilisation', color: COLORS.utilization, values: s.utilization, scale: 'y2', format: percent, width: 1 },
                  ]}
                  y2={{ label: 'utilisation', format: percent, range: [0, 1] }}
                  height={180}
                />
              </Card>
            );
          })}
        </div>
      )}

      <Card title={`Order book${book.data ? ` — ${count(book.data.total)} open bids` : ''}`} wide>
        {book.data === null ? (
          <Loading error={book.error} />
        ) : book.data.items.length === 0 ? (
          <Empty>No open bids.</Empty>
        ) : (
          <table data-testid="order-book">
            <thead>
              <tr>
                <th>#</th>
                <th>agent</th>
                <th>payer</th>
                <th class="num">amount</th>
                <th class="num">reserve</th>
                <th class="num">score</th>
                <th>bundle</th>
                <th>cycles</th>
              </tr>
            </thead>
            <tbody>
              {book.data.items.map((b) => (
                <tr key={b.bid_id}>
                  <td>{b.rank + 1}</td>
                  <td><AgentLink id={b.agent_id} /></td>
                  <td>{b.payer_id === b.agent_id ? <span class="muted">self</span> : <AgentLink id={b.payer_id} />}</td>
                  <td class="num">{b.sealed && b.amount === null ? <span class="muted">sealed</span> : credits(b.amount)}</td>
                  <td class="num">{credits(b.reserve)}</td>
                  <td class="num">{b.score === null ? '–' : b.score.toFixed(3)}</td>
                  <td>{bundle(b.bundle)}</td>
                  <td class="muted">{b.placed_cycle}–{b.expires_after_cycle}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Card>

      <div class="grid">
        <Card title="Recent clearings">
          {history.data === null ? (
            <Loading error={history.error} />
          ) : history.data.clearings.length === 0 ? (
            <Empty>No clearing yet.</Empty>
          ) : (
            <table data-testid="clearings">
              <thead>
                <tr>
                  <th>cycle</th>
                  <th class="num">open</th>
                  <th class="num">won</th>
                  <th class="num">outbid</th>
                  <th class="num">below reserve</th>
                  <th class="num">expired</th>
                  <th class="num">burned</th>
                </tr>
              </thead>
              <tbody>
                {history.data.clearings.map((c) => (
                  <tr key={c.cycle}>
                    <td>{c.cycle}</td>
                    <td class="num">{c.open_bids}</td>
                    <td class="num">{c.won}</td>
                    <td class="num">{c.outbid}</td>
                    <td class="num">{c.below_reserve}</td>
                    <td class="num">{c.expired}</td>
                    <td class="num">{credits(c.burned)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </Card>
        <Card title="Recent trades">
          {history.data === null ? (
            <Loading error={history.error} />
          ) : history.data.trades.length === 0 ? (
            <Empty>No trade yet.</Empty>
          ) : (
            <table>
              <thead>
                <tr>
                  <th>cycle</th>
                  <th>agent</th>
                  <th class="num">paid</th>
                  <th>rule</th>
                  <th>bundle</th>
                </tr>
              </thead>
              <tbody>
                {history.data.trades.map((t) => (
                  <tr key={t.bid_id}>
                    <td>{t.closed_cycle}</td>
                    <td><AgentLink id={t.agent_id} /></td>
                    <td class="num">{credits(t.price_paid)}</td>
                    <td class="muted">{t.rule === 'second_price' ? '2nd price' : 'as bid'}</td>
                    <td>{bundle(t.bundle)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </Card>
      </div>
      <MarketTrade />
    </div>
  );
}
