import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

const COLORS = ['#1f5fbf', '#b3261e', '#1b7f3b', '#8a4b00', '#6a3fa0', '#00696f', '#5c5c5c'];

/** A line chart of series over labelled x positions (weeks): uPlot, into the given element. */
export function lineChart(
  el: HTMLElement,
  labels: string[],
  series: { name: string; values: number[] }[],
  title: string,
  /** The x axis' name in the legend (uPlot's default is the English "Value"). */
  xLabel: string,
): () => void {
  el.textContent = '';
  const width = Math.max(280, Math.min(el.clientWidth || 600, 900));
  const plot = new uPlot(
    {
      title,
      width,
      height: 240,
      scales: { x: { time: false } },
      axes: [{ values: (_u, ticks) => ticks.map((t) => labels[t] ?? '') }, {}],
      series: [
        { label: xLabel },
        ...series.map((s, i) => ({ label: s.name, stroke: COLORS[i % COLORS.length], width: 2 })),
      ],
    },
    [labels.map((_, i) => i), ...series.map((s) => s.values)],
    el,
  );
  return () => plot.destroy();
}
