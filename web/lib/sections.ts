// The sidebar's sections that need an account. Until trading lands they lead to /soon/, which
// names the section from its `section` query parameter; the sidebar and that page share this.

export interface AccountSection {
  slug: string;
  label: string;
  blurb: string;
}

export const TRADING_SECTIONS: AccountSection[] = [
  { slug: "stocks", label: "Your stocks", blurb: "the holdings you buy with your virtual cash, valued live" },
  { slug: "trade", label: "Trade", blurb: "buying and selling at the market price or with limits" },
  { slug: "actions", label: "Trading actions", blurb: "the history of your orders and fills" },
  { slug: "watchlist", label: "Watchlist", blurb: "the instruments you follow, side by side" },
  { slug: "analytics", label: "Analytics", blurb: "how your portfolio performs over time" },
];

export function sectionBySlug(slug: string | null): AccountSection | undefined {
  return TRADING_SECTIONS.find((section) => section.slug === slug);
}

export function soonHref(slug: string): string {
  return `/soon/?section=${encodeURIComponent(slug)}`;
}
