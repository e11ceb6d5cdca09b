"use client";
// Who is signed in. GET /api/auth/me answers {user, csrf_token} for a session and for an
// anonymous visitor alike; the token goes into lib/api.ts so every unsafe request carries it.
// The answer lives in SWR's cache under the /me path, so everything that shows the user
// re-renders when it changes: sign-in, a profile edit, sign-out, a session that expired (SWR
// revalidates /me on focus, and Providers refreshes it on any 401).

import { createContext, useContext, useEffect, useMemo, type ReactNode } from "react";
import useSWR, { mutate } from "swr";
import { ApiError, apiFetch, apiSend, paths, setCsrfRefresher, setCsrfToken } from "./api";
import type { Me, SessionResponse, User } from "./models";

const ME_KEY = paths.me();

// Bumped whenever the session changes under our feet (login, logout, password change): a /me
// answer to a request sent before that describes the old session and must not win.
let generation = 0;
let inflight: Promise<Me> | null = null;

async function fetchMe(): Promise<Me> {
  for (;;) {
    const started = generation;
    const me = await apiFetch<Me>(ME_KEY);
    if (started === generation) {
      setCsrfToken(me.csrf_token);
      return me;
    }
  }
}

// One /me request at a time, however many callers ask at once (start-up, focus, a CSRF retry).
function loadMe(): Promise<Me> {
  inflight ??= fetchMe().finally(() => {
    inflight = null;
  });
  return inflight;
}

// Fetches /me now and puts the answer in the cache.
export async function refreshMe(): Promise<Me> {
  const me = await loadMe();
  await mutate(ME_KEY, me, { revalidate: false });
  return me;
}

// Data that belongs to whoever was signed in; dropped when that changes. (useSWRInfinite's
// aggregate keys are skipped by SWR's filter; their pages are only shown to admins anyway.)
// Callers wait for it: SWR throws away the answer of a fetch that lands while a mutation of
// its key is still in progress, so the new user's first fetches must start after it ended.
async function forgetPrivateData(): Promise<void> {
  await mutate(
    (key) =>
      typeof key === "string" &&
      (key.startsWith("/api/admin/") ||
        key.startsWith("/api/account/") ||
        key.startsWith("/api/users/") ||
        key.startsWith("/v2/")),
    undefined,
    { revalidate: false },
  );
}

// Login and password change return the new session's user and token.
export function applySession(response: SessionResponse): void {
  generation += 1;
  setCsrfToken(response.csrf_token);
  void mutate<Me>(ME_KEY, { user: response.user, csrf_token: response.csrf_token }, { revalidate: false });
}

// A profile edit returns the updated user; the session and its token stay.
export function applyUser(user: User): void {
  void mutate<Me>(ME_KEY, (current) => (current ? { ...current, user } : current), { revalidate: false });
}

export async function signIn(email: string, password: string): Promise<User> {
  const response = await apiSend<SessionResponse>("POST", paths.login(), { email, password });
  await forgetPrivateData();
  applySession(response);
  return response.user;
}

export async function signOut(): Promise<void> {
  try {
    await apiSend<void>("POST", paths.logout());
  } catch (error) {
    // A session that already ended is as signed out as we want it; anything else (the server
    // cannot be reached) leaves the session alive, so the caller must hear about it.
    if (!(error instanceof ApiError && error.status === 401)) throw error;
  }
  generation += 1;
  setCsrfToken(null);
  await forgetPrivateData();
  await mutate<Me>(ME_KEY, (current) => (current ? { ...current, user: null } : current), {
    revalidate: false,
  });
  // The logged-out session's token is dead: fetch a fresh anonymous one for the next form.
  await refreshMe().catch(() => undefined);
}

export type AuthStatus = "loading" | "ready" | "error";

export interface AuthState {
  user: User | null;
  // "error": /me could not be loaded, so whether anyone is signed in is unknown.
  status: AuthStatus;
  error: unknown;
  isAdmin: boolean;
  refresh: () => Promise<Me>;
  signIn: (email: string, password: string) => Promise<User>;
  signOut: () => Promise<void>;
  applySession: (response: SessionResponse) => void;
  applyUser: (user: User) => void;
}

const AuthContext = createContext<AuthState | null>(null);

export function AuthProvider({ children }: { children: ReactNode }) {
  const { data, error, isLoading } = useSWR<Me>(ME_KEY, loadMe, { revalidateOnFocus: true });

  useEffect(() => {
    setCsrfRefresher(async () => (await refreshMe()).csrf_token);
    return () => setCsrfRefresher(null);
  }, []);

  const value = useMemo<AuthState>(() => {
    const user = data?.user ?? null;
    const status: AuthStatus = data ? "ready" : error && !isLoading ? "error" : "loading";
    return {
      user,
      status,
      error: data ? null : (error ?? null),
      isAdmin: user?.role === "admin",
      refresh: refreshMe,
      signIn,
      signOut,
      applySession,
      applyUser,
    };
  }, [data, error, isLoading]);

  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth(): AuthState {
  const value = useContext(AuthContext);
  if (!value) throw new Error("useAuth() needs an <AuthProvider> above it");
  return value;
}

// A same-site path to continue to after signing in, or "/" for anything else: `next` comes
// from the address bar, so it must not be able to send the player to another origin.
const PROBE_ORIGIN = "https://marketsim.invalid";

export function safeNext(next: string | null | undefined): string {
  if (!next || !next.startsWith("/") || next.startsWith("//") || next.startsWith("/\\")) return "/";
  try {
    const url = new URL(next, PROBE_ORIGIN);
    if (url.origin !== PROBE_ORIGIN) return "/";
    return `${url.pathname}${url.search}${url.hash}`;
  } catch {
    return "/";
  }
}

// Profiles (/u/<tag>/) are not pages of the export but one shell the server serves for every
// tag, so the client router cannot fetch them: those need a full page load.
export function isShellPath(path: string): boolean {
  return path.startsWith("/u/");
}

export function signInHref(next: string): string {
  return `/signin/?next=${encodeURIComponent(next)}`;
}

// Public profiles are one exported page that the server serves for every /u/<tag>/ path.
export function profileHref(tag: string): string {
  return `/u/${encodeURIComponent(tag)}/`;
}
