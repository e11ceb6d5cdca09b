"use client";
// The top bar: logo, stream status and who is signed in. A signed-in player sees their cash and
// equity (live, components/HeaderAccount.tsx), the predicted change of their portfolio with its
// band (components/HeaderForecast.tsx), an avatar, the display name, and a menu
// (settings, public profile, admin for admins, sign out); a visitor sees Sign in and Register.
// While /me is loading a quiet placeholder keeps the bar from flashing "Sign in" at a player
// who is signed in.

import Link from "next/link";
import { usePathname, useRouter } from "next/navigation";
import { useEffect, useRef, useState, type MouseEvent } from "react";
import { profileHref, signInHref, useAuth } from "@/lib/auth";
import type { User } from "@/lib/models";
import { Avatar } from "./Avatar";
import { HeaderAccount } from "./HeaderAccount";
import { HeaderForecast } from "./HeaderForecast";
import { Logo } from "./Logo";
import { StreamBadge } from "./StreamBadge";

// Pages where "come back here after signing in" makes no sense.
export const AUTH_PAGES = /^\/(signin|register|verify|forgot-password|reset-password)(\/|$)/;

const menuItemClass =
  "block w-full rounded-md px-3 py-2 text-left text-sm text-ink-300 hover:bg-ink-800 hover:text-ink-100 focus-visible:outline-2 focus-visible:outline-accent";

function UserMenu({ user, isAdmin }: { user: User; isAdmin: boolean }) {
  const router = useRouter();
  const pathname = usePathname() ?? "/";
  const { signOut } = useAuth();
  const [open, setOpen] = useState(false);
  const [busy, setBusy] = useState(false);
  const [failed, setFailed] = useState(false);
  const rootRef = useRef<HTMLDivElement>(null);

  // Close on a click outside or Escape, while open.
  useEffect(() => {
    if (!open) return;
    const onPointer = (event: PointerEvent) => {
      if (rootRef.current && !rootRef.current.contains(event.target as Node)) setOpen(false);
    };
    const onKey = (event: KeyboardEvent) => {
      if (event.key === "Escape") setOpen(false);
    };
    document.addEventListener("pointerdown", onPointer);
    document.addEventListener("keydown", onKey);
    return () => {
      document.removeEventListener("pointerdown", onPointer);
      document.removeEventListener("keydown", onKey);
    };
  }, [open]);

  async function leave() {
    setBusy(true);
    setFailed(false);
    try {
      await signOut();
      setOpen(false);
      // Pages that need an account have nothing left to show.
      if (/^\/(settings|admin|portfolio|orders|activity|trade)(\/|$)/.test(pathname)) router.push("/");
    } catch {
      setFailed(true);
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="relative" ref={rootRef}>
      <button
        type="button"
        aria-haspopup="menu"
        aria-expanded={open}
        onClick={() => setOpen((v) => !v)}
        data-testid="user-menu-button"
        className="flex max-w-[14rem] items-center gap-2 rounded-full border border-transparent py-0.5 pr-2.5 pl-0.5 text-sm text-ink-100 transition-colors hover:border-ink-600 hover:bg-ink-800 focus-visible:outline-2 focus-visible:outline-accent"
      >
        <Avatar tag={user.user_tag} name={user.display_name} size={30} testId="header-avatar" />
        <span className="hidden truncate font-medium sm:inline" data-testid="header-user">
          {user.display_name}
        </span>
        <svg viewBox="0 0 12 12" className="h-3 w-3 shrink-0 text-ink-400" aria-hidden="true">
          <path d="M2.5 4.5 6 8l3.5-3.5" fill="none" stroke="currentColor" strokeWidth="1.5" />
        </svg>
      </button>
      {open ? (
        <div
          role="menu"
          aria-label="Account"
          className="absolute right-0 mt-2 w-56 rounded-lg border border-ink-700 bg-ink-900 p-1.5 shadow-xl shadow-black/40"
        >
          <div className="border-b border-ink-700 px-3 pt-1.5 pb-2.5">
            <div className="truncate text-sm font-medium text-ink-100">{user.display_name}</div>
            <div className="truncate font-mono text-xs text-ink-400">@{user.user_tag}</div>
          </div>
          <div className="pt-1.5">
            <Link href="/settings/" role="menuitem" className={menuItemClass} onClick={() => setOpen(false)} data-testid="menu-settings">
              Settings
            </Link>
            {user.public_profile ? (
              // A full page load: profiles are one shell page the server serves for every tag.
              <a href={profileHref(user.user_tag)} role="menuitem" className={menuItemClass}>
                Public profile
              </a>
            ) : null}
            {isAdmin ? (
              <Link href="/admin/" role="menuitem" className={menuItemClass} onClick={() => setOpen(false)} data-testid="menu-admin">
                Admin
              </Link>
            ) : null}
            <button
              type="button"
              role="menuitem"
              className={menuItemClass}
              onClick={() => void leave()}
              disabled={busy}
              data-testid="signout-button"
            >
              {busy ? "Signing out…" : "Sign out"}
            </button>
            {failed ? (
              <p role="alert" className="px-3 pb-1.5 text-xs text-loss">
                Could not sign out: the server cannot be reached.
              </p>
            ) : null}
          </div>
        </div>
      ) : null}
    </div>
  );
}

function Anonymous() {
  const router = useRouter();
  const pathname = usePathname() ?? "/";
  const here = AUTH_PAGES.test(pathname) ? "/" : pathname;

  // The href carries the path; the click adds the query string (/stock/?symbol=…), which only
  // the browser knows without making every page wait for useSearchParams.
  function signIn(event: MouseEvent<HTMLAnchorElement>) {
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey || event.button !== 0) return;
    if (AUTH_PAGES.test(window.location.pathname)) return;
    event.preventDefault();
    router.push(signInHref(`${window.location.pathname}${window.location.search}`));
  }

  return (
    <div className="flex items-center gap-2">
      <Link
        href={here === "/" ? "/signin/" : signInHref(here)}
        onClick={signIn}
        data-testid="header-signin"
        className="rounded-md border border-ink-600 px-3 py-1.5 text-sm font-medium text-ink-100 transition-colors hover:border-accent hover:bg-ink-800"
      >
        Sign in
      </Link>
      <Link
        href="/register/"
        data-testid="header-register"
        className="rounded-md bg-accent px-3 py-1.5 text-sm font-medium text-white transition-colors hover:bg-accent/90"
      >
        Register
      </Link>
    </div>
  );
}

export function Header() {
  const { user, status, isAdmin } = useAuth();
  return (
    <header className="sticky top-0 z-20 border-b border-ink-700 bg-ink-900/95 backdrop-blur">
      <div className="mx-auto flex h-14 max-w-[1440px] items-center gap-3 px-4 md:px-6">
        <Link href="/" className="flex items-center gap-2.5 rounded-md focus-visible:outline-2 focus-visible:outline-accent">
          <Logo />
          {/* A phone keeps its width for the player's equity and its change. */}
          <span className="sr-only text-lg font-semibold tracking-tight text-ink-100 sm:not-sr-only">marketsim</span>
        </Link>
        <div className="ml-auto flex min-w-0 items-center gap-2 sm:gap-3">
          <StreamBadge />
          {user ? (
            <>
              <HeaderAccount />
              <HeaderForecast />
              <UserMenu user={user} isAdmin={isAdmin} />
            </>
          ) : status === "loading" ? (
            <span className="h-8 w-36 animate-pulse rounded-md bg-ink-800" aria-hidden="true" />
          ) : (
            <Anonymous />
          )}
        </div>
      </div>
    </header>
  );
}
