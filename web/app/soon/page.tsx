"use client";
// Where the trading sections of the sidebar lead until trading exists: says what the section
// will hold and sends the player back to the market, instead of a dead end or the sign-in form.

import Link from "next/link";
import { useSearchParams } from "next/navigation";
import { Suspense } from "react";
import { Card } from "@/components/Form";
import { sectionBySlug } from "@/lib/sections";
import { usePageTitle } from "@/lib/title";

function Soon() {
  const section = sectionBySlug(useSearchParams().get("section"));
  usePageTitle(section?.label ?? "Coming soon");
  return (
    <Card title={section ? section.label : "Coming soon"}>
      <p className="text-sm leading-relaxed text-ink-300" data-testid="soon">
        {section ? (
          <>
            Trading arrives next, and with it {section.blurb}. Your account is ready for it: your
            virtual cash will be waiting.
          </>
        ) : (
          <>Trading arrives next. Your account is ready for it.</>
        )}
      </p>
      <p className="mt-3 text-sm text-ink-300">Until then, the market is live for watching.</p>
      <Link
        href="/"
        className="mt-6 inline-block rounded-md bg-accent px-4 py-2 text-sm font-medium text-white hover:bg-accent/90"
      >
        Go to the market
      </Link>
    </Card>
  );
}

export default function SoonPage() {
  return (
    <Suspense fallback={<div className="text-sm text-ink-400">Loading…</div>}>
      <Soon />
    </Suspense>
  );
}
