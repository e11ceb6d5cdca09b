"use client";
// How the forecasts are made and how good they are (components/ForecastsView.tsx); open to all.

import { ForecastsView } from "@/components/ForecastsView";
import { usePageTitle } from "@/lib/title";

export default function ForecastsPage() {
  usePageTitle("Forecasts");
  return <ForecastsView />;
}
