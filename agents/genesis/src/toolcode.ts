// The tools a genesis agent publishes as code artifacts (docs/artifacts.md, "Invoking"): a price
// forecaster and a bid advisor, built from the market history the agent has seen. The
// functions below are the tools' logic; the published bundle is their own source text
// (Function.prototype.toString of the compiled JavaScript) with the history and the owner's
// parameters (its genes) baked in, so what runs in the artifact's sandbox is exactly what the
// tests here check, and it needs nothing but node and its request.json.

export type ToolKind = 'forecast' | 'advise_bid';

export interface PriceHistory {
  /** Prices per cycle, oldest first (credits per CPU-second, per MB). */
  cpu: number[];
  memory: number[];
  /** The last cycle the history holds. */
  as_of_cycle: number;
}

export interface ToolParams {
  window: number;
  markup: number;
}

/**
 * Holt's linear smoothing of a price series (level and trend, alpha = 2 / (window + 1)),
 * projected `horizon` cycles ahead; never below half the last price (a trend fitted to a slump
 * must not forecast a free market). Self-contained: it is embedded in the tool's code.
 */
export function forecastPrice(series: number[], window: number, horizon: number): { price: number; trend: number; points: number } {
  const xs = series.filter((x) => typeof x === 'number' && Number.isFinite(x) && x > 0).slice(-Math.max(2, Math.round(window) * 3));
  if (xs.length === 0) return { price: 0, trend: 0, points: 0 };
  const alpha = 2 / (Math.max(1, window) + 1);
  const beta = alpha / 2;
  let level = xs[0]!;
  let trend = 0;
  for (let i = 1; i < xs.length; i++) {
    const previous = level;
    level = alpha * xs[i]! + (1 - alpha) * (level + trend);
    trend = beta * (level - previous) + (1 - beta) * trend;
  }
  const last = xs[xs.length - 1]!;
  const round = (x: number) => Math.round(x * 1e9) / 1e9;
  return { price: round(Math.max(level + horizon * trend, last * 0.5)), trend: round(trend), points: xs.length };
}

/**
 * A bid for a bundle at next cycle's forecast prices: its value (never below its value at the
 * last prices), plus the advisor's markup, at most the balance. Credits.
 */
export function adviseBid(
  history: { cpu: number[]; memory: number[] },
  params: { window: number; markup: number },
  bundle: { cpu: number; memory: number },
  balance: number,
  horizon: number,
): { amount: number; value: number; cpu_price: number; memory_price: number; markup: number } {
  const cpu = forecastPrice(history.cpu, params.window, horizon).price;
  const memory = forecastPrice(history.memory, params.window, horizon).price;
  const lastOf = (xs: number[]) => (xs.length === 0 ? 0 : xs[xs.length - 1]!);
  const value = Math.max(bundle.cpu * cpu + bundle.memory * memory, bundle.cpu * lastOf(history.cpu) + bundle.memory * lastOf(history.memory));
  const round = (x: number) => Math.round(x * 1e6) / 1e6;
  const amount = Math.max(0, Math.min(balance, value * (1 + params.markup)));
  return { amount: round(amount), value: round(value), cpu_price: cpu, memory_price: memory, markup: params.markup };
}

// The caller names the price point it wants (the cycle whose next price it asks about); the
// tool forecasts that many cycles past its own history.
const target = { for_cycle: { type: 'integer', minimum: 0 }, horizon: { type: 'integer', minimum: 1, maximum: 50 } };
const priceOut = { type: 'object', properties: { price: { type: 'number' }, trend: { type: 'number' } }, required: ['price', 'trend'] };

/** The interface (docs/artifacts.md, "The data model") of each kind of tool. */
export function toolInterface(kind: ToolKind, price: number): { tools: unknown[] } {
  const pricing = { kind: 'fixed', price: price.toFixed(6) };
  if (kind === 'forecast') {
    return {
      tools: [
        {
          name: 'forecast',
          description: 'Forecast of the CPU and memory prices some cycles ahead (Holt linear smoothing of the market history the owner saw)',
          input_schema: { type: 'object', properties: target, additionalProperties: false },
          output_schema: {
            type: 'object',
            properties: { cpu: priceOut, memory: priceOut, as_of_cycle: { type: 'integer' }, points: { type: 'integer' }, window: { type: 'integer' } },
            required: ['cpu', 'memory', 'as_of_cycle'],
          },
          pricing,
        },
      ],
    };
  }
  return {
    tools: [
      {
        name: 'advise_bid',
        description: "A bid for a bundle (CPU-seconds, MB) at next cycle's forecast prices plus the advisor's markup, within the balance",
        input_schema: {
          type: 'object',
          properties: { bundle: { type: 'object', properties: { cpu: { type: 'number', minimum: 0 }, memory: { type: 'number', minimum: 0 } }, required: ['cpu', 'memory'] }, balance: { type: 'number', minimum: 0 }, ...target },
          required: ['bundle', 'balance'],
          additionalProperties: false,
        },
        output_schema: {
          type: 'object',
          properties: { amount: { type: 'number' }, value: { type: 'number' }, cpu_price: { type: 'number' }, memory_price: { type: 'number' }, markup: { type: 'number' }, as_of_cycle: { type: 'integer' } },
          required: ['amount', 'value', 'cpu_price', 'memory_price', 'as_of_cycle'],
        },
        pricing,
      },
    ],
  };
}

/** The tool's whole program (CommonJS, node): the logic above, the history and parameters, the protocol. */
export function toolSource(kind: ToolKind, history: PriceHistory, params: ToolParams): string {
  return [
    "'use strict';",
    `// A ${kind === 'forecast' ? 'price forecaster' : 'bid advisor'} published by a genesis agent; history as of cycle ${history.as_of_cycle}.`,
    "const fs = require('fs');",
    `const HISTORY = ${JSON.stringify(history)};`,
    `const PARAMS = ${JSON.stringify(params)};`,
    forecastPrice.toString(),
    adviseBid.toString(),
    "const req = JSON.parse(fs.readFileSync(process.env.AGORA_REQUEST_PATH, 'utf8'));",
    'const args = req.args || {};',
    'let output;',
    'const horizon = Math.min(50, Math.max(1, Number.isInteger(args.for_cycle) ? args.for_cycle - HISTORY.as_of_cycle : Number.isInteger(args.horizon) ? args.horizon : 1));',
    kind === 'forecast'
      ? [
          'const cpu = forecastPrice(HISTORY.cpu, PARAMS.window, horizon);',
          'const memory = forecastPrice(HISTORY.memory, PARAMS.window, horizon);',
          'output = { cpu: { price: cpu.price, trend: cpu.trend }, memory: { price: memory.price, trend: memory.trend }, as_of_cycle: HISTORY.as_of_cycle, points: Math.min(cpu.points, memory.points), window: PARAMS.window };',
        ].join('\n')
      : 'output = Object.assign(adviseBid(HISTORY, PARAMS, args.bundle, args.balance, horizon), { as_of_cycle: HISTORY.as_of_cycle });',
    'fs.writeFileSync(process.env.AGORA_RESULT_PATH, JSON.stringify({ output }));',
    '',
  ].join('\n');
}
