"use client";
// A player's public profile at /u/<tag>/. The export has one page here, out/u/index.html, and
// the server answers it for every path under /u/, so the tag is read from the address bar in
// the browser; `next dev` has no such fallback, so /u/?tag=<tag> works as well. Shows what the
// player chose to make public (GET /api/users/{tag}); anything else is "no public profile".

import Link from "next/link";
import { useSyncExternalStore } from "react";
import useSWR from "swr";
import { Avatar } from "@/components/Avatar";
import { ErrorNotice, Notice } from "@/components/Notice";
import { ApiError, paths } from "@/lib/api";
import { useAuth } from "@/lib/auth";
import { formatDate } from "@/lib/format";
import { usePageTitle } from "@/lib/title";
import type { PublicProfile } from "@/lib/types";

const TAG = /^[a-z0-9_]{3,20}$/;

// "" when the address names no tag; the tag as written otherwise (checked by the caller).
function tagFromLocation(): string {
  const match = /^\/u\/([^/]+)\/?$/.exec(window.location.pathname);
  let raw = match?.[1] ?? new URLSearchParams(window.location.search).get("tag") ?? "";
  try {
    raw = decodeURIComponent(raw);
  } catch {
    // A malformed escape is just a tag that matches nobody.
  }
  return raw.trim().toLowerCase();
}

function subscribe(onChange: () => void): () => void {
  window.addEventListener("popstate", onChange);
  return () => window.removeEventListener("popstate", onChange);
}

// null while rendering on the server (the exported shell knows no tag).
function useTag(): string | null {
  return useSyncExternalStore(subscribe, tagFromLocation, () => null);
}

function Profile({ tag }: { tag: string }) {
  const { user } = useAuth();
  const { data, error, isLoading, mutate } = useSWR<PublicProfile>(paths.publicUser(tag));
  usePageTitle(data ? data.display_name : `@${tag}`);

  if (error && !data) {
    if (error instanceof ApiError && error.isNotFound) {
      const own = user?.user_tag === tag;
      return (
        <Notice title="No public profile">
          <p data-testid="profile-missing">
            {own ? (
              <>
                Your profile is private.{" "}
                <Link href="/settings/" className="text-accent hover:underline">
                  Make it public in Settings
                </Link>
                .
              </>
            ) : (
              <>
                There is no public profile for <span className="font-mono">@{tag}</span>: no such player, or
                one who keeps their profile private.
              </>
            )}
          </p>
        </Notice>
      );
    }
    return <ErrorNotice title="Could not load the profile" error={error} onRetry={() => void mutate()} />;
  }
  if (isLoading || !data) {
    return (
      <div className="h-40 animate-pulse rounded-xl border border-ink-700 bg-ink-900" aria-busy="true" aria-label="Loading profile" />
    );
  }
  return (
    <section className="rounded-xl border border-ink-700 bg-ink-900 p-6 md:p-8" data-testid="profile">
      <div className="flex flex-col items-center gap-5 text-center sm:flex-row sm:text-left">
        <Avatar tag={data.user_tag} name={data.display_name} size={96} testId="profile-avatar" />
        <div className="min-w-0">
          <h1 className="text-2xl font-semibold tracking-tight break-words" data-testid="profile-name">
            {data.display_name}
          </h1>
          <div className="mt-1 font-mono text-sm text-ink-300">@{data.user_tag}</div>
          <div className="mt-3 text-sm text-ink-400" data-testid="profile-since">
            Member since {formatDate(data.member_since)}
          </div>
        </div>
      </div>
      {user?.user_tag === data.user_tag ? (
        <p className="mt-6 border-t border-ink-700 pt-4 text-xs text-ink-400">
          This is your public profile.{" "}
          <Link href="/settings/" className="text-accent hover:underline">
            Change it in Settings
          </Link>
          .
        </p>
      ) : null}
    </section>
  );
}

export default function ProfilePage() {
  const tag = useTag();
  return (
    <div className="mx-auto max-w-2xl py-2 md:py-6">
      {tag === null ? (
        <div className="text-sm text-ink-400">Loading…</div>
      ) : TAG.test(tag) ? (
        <Profile key={tag} tag={tag} />
      ) : (
        <Notice title="No public profile">
          <p data-testid="profile-missing">
            {tag ? "That is not a user tag." : "The address names no player."}{" "}
            <Link href="/" className="text-accent hover:underline">
              Back to the market
            </Link>
          </p>
        </Notice>
      )}
    </div>
  );
}
