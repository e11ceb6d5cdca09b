"use client";
// The leaderboard, open to everyone (components/LeaderboardView.tsx).

import { LeaderboardView } from "@/components/LeaderboardView";
import { usePageTitle } from "@/lib/title";

export default function LeaderboardPage() {
  usePageTitle("Leaderboard");
  return <LeaderboardView />;
}
