// A chart layer that shades between two price paths (a forecast's 95% band), beneath the lines
// drawn on the series it is attached to. lightweight-charts fills an area down to the axis, not
// between two lines, so the band is a polygon drawn on the chart's canvas: along the upper
// path, back along the lower one.

import type { IPrimitivePaneRenderer, IPrimitivePaneView, ISeriesPrimitive, SeriesAttachedParameter, Time, UTCTimestamp } from "lightweight-charts";

export interface BandPoint {
  time: UTCTimestamp;
  lower: number;
  upper: number;
}

type DrawTarget = Parameters<IPrimitivePaneRenderer["draw"]>[0];

export class BandFill implements ISeriesPrimitive<Time> {
  private readonly points: readonly BandPoint[];
  private readonly color: string;
  private attachedTo: SeriesAttachedParameter<Time> | null = null;
  // The band in the pane's coordinates, worked out again whenever the view moves.
  private outline: { x: number; upper: number; lower: number }[] = [];
  // The same array each time: the chart caches its views by reference.
  private readonly views: readonly IPrimitivePaneView[];

  constructor(points: readonly BandPoint[], color: string) {
    this.points = points;
    this.color = color;
    this.views = [{ zOrder: () => "bottom", renderer: () => ({ draw: (target: DrawTarget) => this.draw(target) }) }];
  }

  attached(param: SeriesAttachedParameter<Time>): void {
    this.attachedTo = param;
  }

  detached(): void {
    this.attachedTo = null;
  }

  updateAllViews(): void {
    const param = this.attachedTo;
    if (!param) return;
    const timeScale = param.chart.timeScale();
    this.outline = [];
    for (const p of this.points) {
      const x = timeScale.timeToCoordinate(p.time);
      const upper = param.series.priceToCoordinate(p.upper);
      const lower = param.series.priceToCoordinate(p.lower);
      if (x !== null && upper !== null && lower !== null) this.outline.push({ x, upper, lower });
    }
  }

  paneViews(): readonly IPrimitivePaneView[] {
    return this.views;
  }

  private draw(target: DrawTarget): void {
    const outline = this.outline;
    if (outline.length < 2) return;
    target.useBitmapCoordinateSpace(({ context, horizontalPixelRatio: h, verticalPixelRatio: v }) => {
      context.beginPath();
      outline.forEach((p, i) => (i === 0 ? context.moveTo(p.x * h, p.upper * v) : context.lineTo(p.x * h, p.upper * v)));
      for (let i = outline.length - 1; i >= 0; i--) context.lineTo(outline[i]!.x * h, outline[i]!.lower * v);
      context.closePath();
      context.fillStyle = this.color;
      context.fill();
    });
  }
}
