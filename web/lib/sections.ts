// The sidebar's sections that need an account. Those that exist lead to their page (`path`);
// the rest lead to /soon/, which names the section from its `section` query parameter. The
// sidebar and that page share this list.

export interface AccountSection {
  slug: string;
  label: string;
  blurb: string;
  // The page, for the sections that exist; absent for those still to come.
  path?: string;
}

export const TRADING_SECTIONS: AccountSection[] = [
  { slug: "stocks", label: "Your stocks", blurb: "the holdings you buy with your virtual cash, valued live", path: "/portfolio/" },
  { slug: "trade", label: "Trade", blurb: "buying and selling at the market price or with limits", path: "/trade/" },
  { slug: "actions", label: "Trading actions", blurb: "the automatic trading you define: alerts, stop-losses, recurring buys", path: "/actions/" },
  { slug: "orders", label: "Orders", blurb: "your open and closed orders", path: "/orders/" },
  { slug: "activity", label: "Activity", blurb: "the history of your fills", path: "/activity/" },
  { slug: "watchlist", label: "Watchlist", blurb: "the instruments you follow, side by side", path: "/watchlist/" },
  { slug: "analytics", label: "Analytics", blurb: "how your portfolio performs over time" },
];

export function sectionBySlug(slug: string | null): AccountSection | undefined {
  return TRADING_SECTIONS.find((section) => section.slug === slug);
}

export function soonHref(slug: string): string {
  return `/soon/?section=${encodeURIComponent(slug)}`;
}

// Where a section leads a signed-in player: its page, or /soon/ until it exists.
export function sectionHref(section: AccountSection): string {
  return section.path ?? soonHref(section.slug);
}
