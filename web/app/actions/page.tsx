"use client";
// Trading actions: the rules that trade or alert for the player (components/RulesView.tsx).

import { RequireUser } from "@/components/RequireUser";
import { RulesView } from "@/components/RulesView";
import { usePageTitle } from "@/lib/title";

export default function ActionsPage() {
  usePageTitle("Trading actions");
  return <RequireUser next="/actions/">{(user) => <RulesView key={user.id} />}</RequireUser>;
}
