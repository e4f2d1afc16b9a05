import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

const COLORS = ['#1f5fbf', '#b3261e', '#1b7f3b', '#8a4b00', '#6a3fa0', '#00696f', '#5c5c5c'];

/**
 * A line chart of series over labelled x positions (weeks): uPlot, into the given element. The axis shows
 * the dates short (11/30: five full ISO dates overlapped on a phone and the last one was cut); the legend
 * shows the whole label. No title: the card's heading names the chart.
 */
export function lineChart(
  el: HTMLElement,
  labels: string[],
  series: { name: string; values: number[] }[],
  /** The x axis' name in the legend (uPlot's default is the English "Value"). */
  xLabel: string,
): () => void {
  el.textContent = '';
  const width = Math.max(280, Math.min(el.clientWidth || 600, 900));
  const plot = new uPlot(
    {
      width,
      height: 240,
      scales: { x: { time: false } },
      axes: [{ values: (_u, ticks) => ticks.map((t) => shortDate(labels[t] ?? '')) }, {}],
      series: [
        { label: xLabel, value: (_u, v) => labels[v] ?? '--' },
        ...series.map((s, i) => ({ label: s.name, stroke: COLORS[i % COLORS.length], width: 2 })),
      ],
    },
    [labels.map((_, i) => i), ...series.map((s) => s.values)],
    el,
  );
  return () => plot.destroy();
}

/** 2026-11-30 → 11/30 (any other label as it is). */
const shortDate = (label: string): string => {
  const m = /^\d{4}-(\d\d)-(\d\d)$/.exec(label);
  return m ? `${Number(m[1])}/${Number(m[2])}` : label;
};
