// The tab title for a client page. The export's pages are client components, which cannot
// export Next's `metadata`, so the title is set once the page is on screen.

import { useEffect } from "react";

export function usePageTitle(title: string | null): void {
  useEffect(() => {
    if (title) document.title = `${title} · marketsim`;
  }, [title]);
}
