"use client";
// Activity: the player's fills, newest first, with paging (components/ActivityView.tsx).

import { ActivityView } from "@/components/ActivityView";
import { RequireUser } from "@/components/RequireUser";
import { usePageTitle } from "@/lib/title";

export default function ActivityPage() {
  usePageTitle("Activity");
  return <RequireUser next="/activity/">{(user) => <ActivityView key={user.id} />}</RequireUser>;
}
