// A uPlot line chart that fills its container's width and follows its data. Charts are
// created once per set of series and fed new data in place, so live updates do not flicker.
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface Line {
  label: string;
  color: string;
  values: (number | null)[];
  /** 'y' (left axis) or 'y2' (right axis). */
  scale?: 'y' | 'y2';
  /** Draw as steps (a value holds until the next point), e.g. a balance. */
  stepped?: boolean;
  /** Line width in CSS pixels (2 by default; 1 for a supporting series). */
  width?: number;
  fill?: boolean;
  format?: (v: number) => string;
}

export interface ChartProps {
  /** x values: seconds since the epoch when `time`, else plain numbers (cycles). */
  x: number[];
  lines: Line[];
  time?: boolean;
  height?: number;
  y2?: { label: string; format: (v: number) => string; range?: [number, number] };
  /** The left axis counts things: ticks on whole numbers only. */
  integers?: boolean;
  xLabel?: string;
  /** Stable name for tests and screenshots. */
  name: string;
}

const INTEGER_STEPS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000, 20_000, 50_000, 100_000, 1_000_000];
const stepped = uPlot.paths.stepped!({ align: 1 });

/** Room for the widest tick label, so large numbers are never clipped. */
function axisSize(_u: uPlot, values: string[] | null): number {
  const longest = values === null ? 0 : Math.max(0, ...values.map((v) => v.length));
  return Math.max(40, 16 + longest * 7.5);
}

function showLatestUnlessHovered(u: uPlot): void {
  const n = u.data[0]?.length ?? 0;
  if (n > 0 && u.cursor.idx == null) u.setLegend({ idx: n - 1 }, false);
}

function options(props: ChartProps, width: number): uPlot.Options {
  const axisStroke = '#5b6475';
  const grid = { stroke: '#e6e9ef', width: 1 };
  const axes: uPlot.Axis[] = [
    { stroke: axisStroke, grid, ...(props.xLabel ? { label: props.xLabel } : {}) },
    {
      stroke: axisStroke,
      grid,
      size: axisSize,
      values: (_u, ticks) => ticks.map((t) => (props.lines[0]?.format ?? String)(t)),
      ...(props.integers ? { incrs: INTEGER_STEPS } : {}),
    },
  ];
  const scales: uPlot.Scales = { x: { time: props.time ?? false } };
  if (props.y2) {
    axes.push({ scale: 'y2', side: 1, stroke: axisStroke, grid: { show: false }, size: axisSize, label: props.y2.label, values: (_u, ticks) => ticks.map(props.y2!.format) });
    scales.y2 = props.y2.range ? { range: props.y2.range } : {};
  }
  return {
    width,
    height: props.height ?? 200,
    scales,
    axes,
    legend: { live: true },
    cursor: { drag: { x: false, y: false } },
    // Without a cursor on the chart the legend shows the latest values, not "--": on creation,
    // on new data, and when the pointer leaves.
    hooks: { setCursor: [showLatestUnlessHovered], setData: [showLatestUnlessHovered], ready: [showLatestUnlessHovered] },
    series: [
      { label: props.time ? 'time' : (props.xLabel ?? 'x') },
      ...props.lines.map((line) => ({
        label: line.label,
        stroke: line.color,
        width: line.width ?? 2,
        scale: line.scale ?? 'y',
        fill: line.fill ? `${line.color}22` : undefined,
        points: { show: false },
        ...(line.stepped ? { paths: stepped } : {}),
        value: (_u: uPlot, v: number | null) => (v === null ? '–' : (line.format ?? String)(v)),
      })),
    ],
  };
}

export function Chart(props: ChartProps) {
  const host = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const shape = props.lines.map((l) => `${l.label}:${l.scale ?? 'y'}`).join('|');
  const data = (): uPlot.AlignedData => [props.x, ...props.lines.map((l) => l.values)];

  useEffect(() => {
    const el = host.current!;
    plot.current = new uPlot(options(props, Math.max(200, el.clientWidth)), data(), el);
    const observer = new ResizeObserver(() => plot.current?.setSize({ width: Math.max(200, el.clientWidth), height: props.height ?? 200 }));
    observer.observe(el);
    return () => {
      observer.disconnect();
      plot.current?.destroy();
      plot.current = null;
    };
  }, [shape, props.time, props.height]);

  useEffect(() => {
    plot.current?.setData(data());
  }, [props.x, ...props.lines.map((l) => l.values)]);

  return <div class="chart" data-chart={props.name} data-points={props.x.length} ref={host} />;
}
