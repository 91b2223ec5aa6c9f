// Numbers and times as an operator reads them.
const creditsFormat = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 });
const preciseFormat = new Intl.NumberFormat('en-US', { maximumSignificantDigits: 4 });
const countFormat = new Intl.NumberFormat('en-US');

/** Credits with two decimals, or four significant digits below 1 (prices are small). */
export function credits(value: number | null | undefined): string {
  if (value === null || value === undefined) return '–';
  return Math.abs(value) >= 1 || value === 0 ? creditsFormat.format(value) : preciseFormat.format(value);
}

const compactFormat = new Intl.NumberFormat('en-US', { notation: 'compact', maximumFractionDigits: 1 });

/** Large amounts for a glance (512.3K); the exact figure belongs in a title. */
export function compactCredits(value: number): string {
  return Math.abs(value) >= 100_000 ? compactFormat.format(value) : credits(value);
}

export function count(value: number | null | undefined): string {
  return value === null || value === undefined ? '–' : countFormat.format(value);
}

export function percent(value: number): string {
  return `${Math.round(value * 100)}%`;
}

export function time(iso: string | null | undefined): string {
  if (!iso) return '–';
  const d = new Date(iso);
  return d.toLocaleTimeString(undefined, { hour12: false });
}

export function dateTime(iso: string | null | undefined): string {
  if (!iso) return '–';
  const d = new Date(iso);
  return `${d.toLocaleDateString(undefined, { month: 'short', day: 'numeric' })} ${d.toLocaleTimeString(undefined, { hour12: false })}`;
}

/** How far `iso` is from `now_ms` (the world's clock: a simulated world runs on its own time). */
export function relative(iso: string, now_ms: number): string {
  const s = Math.round((new Date(iso).getTime() - now_ms) / 1000);
  const abs = Math.abs(s);
  const text = abs < 90 ? `${abs} s` : abs < 5400 ? `${Math.round(abs / 60)} min` : abs < 172_800 ? `${Math.round(abs / 3600)} h` : `${Math.round(abs / 86_400)} days`;
  return s >= 0 ? `in ${text}` : `${text} ago`;
}

export function bundle(b: { cpu: number; memory: number; tokens: number; attention: number; duration_s: number }): string {
  const parts = [`${b.cpu} cpu·s`, `${b.memory} MB`];
  if (b.tokens > 0) parts.push(`${count(b.tokens)} tok`);
  if (b.attention > 0) parts.push(`${b.attention} attention`);
  parts.push(`${b.duration_s} s`);
  return parts.join(' · ');
}
