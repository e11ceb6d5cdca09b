"use client";
// Orders: open and closed, cancel and replace (components/OrdersView.tsx).

import { OrdersView } from "@/components/OrdersView";
import { RequireUser } from "@/components/RequireUser";
import { usePageTitle } from "@/lib/title";

export default function OrdersPage() {
  usePageTitle("Orders");
  return <RequireUser next="/orders/">{(user) => <OrdersView key={user.id} />}</RequireUser>;
}
