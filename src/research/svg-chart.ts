// A line chart as a standalone SVG file: a KPI over cycles, one line per variant (its mean
// over the variant's runs). No dependency: a few dozen elements of plain SVG.
export interface ChartLine {
  label: string;
  /** y per x; null where undefined (the line breaks). */
  values: (number | null)[];
}

const COLORS = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2', '#4b5563', '#db2777'];
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function niceNumber(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  return a >= 1000 || a < 0.01 ? v.toExponential(1) : Number(v.toPrecision(3)).toString();
}

export function lineChartSvg(input: { title: string; x: number[]; lines: ChartLine[]; width?: number; height?: number; x_label?: string }): string {
  const width = input.width ?? 720;
  const height = input.height ?? 360;
  const m = { left: 64, right: 16, top: 36, bottom: 64 };
  const plotW = width - m.left - m.right;
  const plotH = height - m.top - m.bottom;
  const ys = input.lines.flatMap((l) => l.values.filter((v): v is number => v !== null && Number.isFinite(v)));
  let yMin = ys.length === 0 ? 0 : Math.min(0, ...ys);
  let yMax = ys.length === 0 ? 1 : Math.max(...ys);
  if (yMax === yMin) yMax = yMin + 1;
  const xMin = input.x[0] ?? 0;
  const xMax = input.x[input.x.length - 1] ?? 1;
  const sx = (x: number) => m.left + (xMax === xMin ? 0 : ((x - xMin) / (xMax - xMin)) * plotW);
  const sy = (y: number) => m.top + plotH - ((y - yMin) / (yMax - yMin)) * plotH;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    `<text x="${width / 2}" y="20" text-anchor="middle" font-size="14" font-weight="bold">${esc(input.title)}</text>`,
    `<line x1="${m.left}" y1="${m.top + plotH}" x2="${m.left + plotW}" y2="${m.top + plotH}" stroke="#555"/>`,
    `<line x1="${m.left}" y1="${m.top}" x2="${m.left}" y2="${m.top + plotH}" stroke="#555"/>`,
  ];
  for (let i = 0; i <= 4; i++) {
    const y = yMin + ((yMax - yMin) * i) / 4;
    parts.push(`<line x1="${m.left}" y1="${sy(y)}" x2="${m.left + plotW}" y2="${sy(y)}" stroke="#e5e7eb"/>`, `<text x="${m.left - 6}" y="${sy(y) + 4}" text-anchor="end">${niceNumber(y)}</text>`);
    const x = xMin + ((xMax - xMin) * i) / 4;
    parts.push(`<text x="${sx(x)}" y="${m.top + plotH + 16}" text-anchor="middle">${niceNumber(Math.round(x))}</text>`);
  }
  parts.push(`<text x="${m.left + plotW / 2}" y="${m.top + plotH + 32}" text-anchor="middle">${esc(input.x_label ?? 'cycle')}</text>`);
  input.lines.forEach((line, i) => {
    const color = COLORS[i % COLORS.length]!;
    // Breaks where a value is undefined: each run of defined points is one path.
    let d = '';
    let pen = false;
    line.values.forEach((v, j) => {
      if (v === null || !Number.isFinite(v) || input.x[j] === undefined) {
        pen = false;
        return;
      }
      d += `${pen ? 'L' : 'M'}${sx(input.x[j]!).toFixed(1)},${sy(v).toFixed(1)} `;
      pen = true;
    });
    parts.push(`<path d="${d.trim()}" fill="none" stroke="${color}" stroke-width="2" data-variant="${esc(line.label)}"/>`);
    const lx = m.left + (i % 3) * 220;
    const ly = m.top + plotH + 50 + Math.floor(i / 3) * 14;
    parts.push(`<rect x="${lx}" y="${ly - 9}" width="12" height="3" fill="${color}"/>`, `<text x="${lx + 16}" y="${ly - 4}">${esc(line.label)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n');
}
