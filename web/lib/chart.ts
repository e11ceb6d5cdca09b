// What the small charts share (the rule preview, a backtest's window, the forecast band): the
// dark theme's options, and a price scale that takes in levels drawn as price lines, which
// lightweight-charts leaves out of its autoscale (a stop far below the prices would be off the
// chart).

import { type AutoscaleInfo, ColorType } from "lightweight-charts";

export function smallChartOptions(timeVisible = false) {
  return {
    autoSize: true,
    layout: { background: { type: ColorType.Solid, color: "transparent" } as const, textColor: "#a3afc4", fontSize: 11 },
    grid: { vertLines: { color: "rgba(46,58,79,0.35)" }, horzLines: { color: "rgba(46,58,79,0.35)" } },
    rightPriceScale: { borderColor: "#212a3a" },
    timeScale: { borderColor: "#212a3a", timeVisible },
  };
}

// A series' autoscaleInfoProvider that widens the range to `levels()` (read at each autoscale).
export function autoscaleWith(levels: () => readonly number[]) {
  return (original: () => AutoscaleInfo | null): AutoscaleInfo | null => {
    const info = original();
    const extra = levels();
    if (!info?.priceRange || extra.length === 0) return info;
    return {
      ...info,
      priceRange: {
        minValue: Math.min(info.priceRange.minValue, ...extra),
        maxValue: Math.max(info.priceRange.maxValue, ...extra),
      },
    };
  };
}
