"use client";
// Where the sections of the sidebar that do not exist yet (analytics) lead: says
// what the section will hold and where to go meanwhile, instead of a dead end or the sign-in
// form. An old link to a section that has since opened is pointed at its page.

import Link from "next/link";
import { useSearchParams } from "next/navigation";
import { Card, buttonClass } from "@/components/Form";
import { LoadingBoundary } from "@/components/LoadingBoundary";
import { sectionBySlug } from "@/lib/sections";
import { usePageTitle } from "@/lib/title";

function Soon() {
  const section = sectionBySlug(useSearchParams().get("section"));
  usePageTitle(section?.label ?? "Coming soon");
  if (section?.path) {
    return (
      <Card title={section.label}>
        <p className="text-sm leading-relaxed text-ink-300" data-testid="soon-moved">
          {section.label} is open: {section.blurb}.
        </p>
        <Link href={section.path} className={`${buttonClass} mt-6`}>
          Go to {section.label.toLowerCase()}
        </Link>
      </Card>
    );
  }
  return (
    <Card title={section ? section.label : "Coming soon"}>
      <p className="text-sm leading-relaxed text-ink-300" data-testid="soon">
        {section ? (
          <>This section is coming soon, and with it {section.blurb}.</>
        ) : (
          <>This section is coming soon.</>
        )}
      </p>
      <p className="mt-3 text-sm text-ink-300">
        Meanwhile the market is live, and your holdings are under{" "}
        <Link href="/portfolio/" className="text-accent hover:underline">
          Your stocks
        </Link>
        .
      </p>
      <Link href="/" className={`${buttonClass} mt-6`}>
        Go to the market
      </Link>
    </Card>
  );
}

export default function SoonPage() {
  return (
    <LoadingBoundary>
      <Soon />
    </LoadingBoundary>
  );
}
