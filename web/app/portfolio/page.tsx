"use client";
// Your stocks: holdings valued live, cash and allocation (components/PortfolioView.tsx).

import { PortfolioView } from "@/components/PortfolioView";
import { RequireUser } from "@/components/RequireUser";
import { usePageTitle } from "@/lib/title";

export default function PortfolioPage() {
  usePageTitle("Your stocks");
  return <RequireUser next="/portfolio/">{(user) => <PortfolioView key={user.id} />}</RequireUser>;
}
