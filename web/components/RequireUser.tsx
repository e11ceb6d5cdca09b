"use client";
// The gate in front of pages that need an account (settings, admin). A visitor who arrives
// anonymous is sent to sign in and brought back; a player who signs out while on the page
// (here, in another tab, or whose session expired) is told so instead of being bounced away
// mid-read. While /me is loading nothing is decided; when it fails, the error is shown.

import Link from "next/link";
import { useRouter } from "next/navigation";
import { useEffect, useState, type ReactNode } from "react";
import { signInHref, useAuth } from "@/lib/auth";
import type { User } from "@/lib/models";
import { ErrorNotice, Notice } from "./Notice";

export function RequireUser({
  next,
  children,
  redirect = true,
  anonymousTitle = "This page needs an account",
}: {
  next: string;
  children: (user: User) => ReactNode;
  // false: tell an anonymous visitor instead of sending them to sign in.
  redirect?: boolean;
  anonymousTitle?: string;
}) {
  const router = useRouter();
  const { user, status, error, refresh } = useAuth();
  // Remembered during render (no effect needed): was anyone signed in while this page was open?
  const [hadUser, setHadUser] = useState(false);
  if (user && !hadUser) setHadUser(true);
  const arrivedAnonymous = status === "ready" && !user && !hadUser;

  useEffect(() => {
    if (arrivedAnonymous && redirect) router.replace(signInHref(next));
  }, [arrivedAnonymous, redirect, next, router]);

  if (user) return <>{children(user)}</>;
  if (status === "error") {
    return (
      <ErrorNotice
        title="Could not tell who is signed in"
        error={error}
        onRetry={() => void refresh().catch(() => undefined)}
      />
    );
  }
  if (status === "ready" && (hadUser || !redirect)) {
    return (
      <Notice title={hadUser ? "You are signed out" : anonymousTitle}>
        <p data-testid={hadUser ? "signed-out" : "anonymous"}>
          <Link href={signInHref(next)} className="text-accent hover:underline">
            Sign in
          </Link>{" "}
          {hadUser || redirect ? "to continue" : "with an account that has access"}, or go back to the{" "}
          <Link href="/" className="text-accent hover:underline">
            market
          </Link>
          .
        </p>
      </Notice>
    );
  }
  return (
    <p className="text-sm text-ink-400" role="status">
      {arrivedAnonymous ? "This page needs an account. Taking you to sign in…" : "Loading…"}
    </p>
  );
}
