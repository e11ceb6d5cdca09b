// The sidebar's sections that need an account, each with its page.

export interface AccountSection {
  slug: string;
  label: string;
  blurb: string;
  path: string;
}

export const TRADING_SECTIONS: AccountSection[] = [
  { slug: "stocks", label: "Your stocks", blurb: "the holdings you buy with your virtual cash, valued live", path: "/portfolio/" },
  { slug: "trade", label: "Trade", blurb: "buying and selling at the market price or with limits", path: "/trade/" },
  { slug: "actions", label: "Trading actions", blurb: "the automatic trading you define: alerts, stop-losses, recurring buys", path: "/actions/" },
  { slug: "orders", label: "Orders", blurb: "your open and closed orders", path: "/orders/" },
  { slug: "activity", label: "Activity", blurb: "the history of your fills", path: "/activity/" },
  { slug: "watchlist", label: "Watchlist", blurb: "the instruments you follow, side by side", path: "/watchlist/" },
  { slug: "analytics", label: "Analytics", blurb: "charts, performance breakdowns and risk analysis", path: "/analytics/" },
];
