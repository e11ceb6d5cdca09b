"use client";
// Analytics: the player's performance, risk and allocation over a period of market time
// (components/InsightsView.tsx).

import { InsightsView } from "@/components/InsightsView";
import { RequireUser } from "@/components/RequireUser";
import { usePageTitle } from "@/lib/title";

export default function AnalyticsPage() {
  usePageTitle("Analytics");
  return <RequireUser next="/analytics/">{(user) => <InsightsView key={user.id} />}</RequireUser>;
}
