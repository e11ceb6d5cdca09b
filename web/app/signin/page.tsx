"use client";
// Sign-in: email and password to POST /api/auth/login, which answers with the user and the new
// session's CSRF token (lib/auth.tsx installs both). Afterwards the player continues to `?next=`
// when it is a path on this site, else to the market. The server says "wrong email or password"
// for an unknown email, a wrong password and a disabled account alike, and so does this page.

import Link from "next/link";
import { useRouter, useSearchParams } from "next/navigation";
import { useState, type FormEvent } from "react";
import { EmailField } from "@/components/AccountFields";
import { AuthForm } from "@/components/AuthForm";
import { Card, Field, FormAlert, buttonClass, retryText, secondaryButtonClass } from "@/components/Form";
import { LoadingBoundary } from "@/components/LoadingBoundary";
import { errorText } from "@/components/Notice";
import { ApiError } from "@/lib/api";
import { isShellPath, safeNext, useAuth } from "@/lib/auth";
import { usePageTitle } from "@/lib/title";

function failureText(error: unknown): string {
  if (!(error instanceof ApiError)) return errorText(error);
  switch (error.code) {
    case "invalid_credentials":
      return "Wrong email or password.";
    case "email_not_verified":
      return "Verify your email first: open the link in the mail we sent when you registered (links last 24 hours).";
    case "too_many_attempts":
      return `Too many attempts. Try again ${retryText(error.retryAfter)}.`;
    default:
      return errorText(error);
  }
}

function SignIn() {
  const router = useRouter();
  const next = safeNext(useSearchParams().get("next"));
  const { user, signIn, signOut } = useAuth();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState(false);

  function go(path: string) {
    if (isShellPath(path)) window.location.assign(path);
    else router.replace(path);
  }

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (busy) return;
    if (!email.trim() || !password) {
      setError("Enter your email and password.");
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await signIn(email.trim(), password);
      setDone(true);
      go(next);
    } catch (failure) {
      setError(failureText(failure));
      setBusy(false);
    }
  }

  if (done) {
    return (
      <Card title="Sign in">
        <p className="text-sm text-ink-300" role="status">
          Signed in. Taking you on…
        </p>
      </Card>
    );
  }

  if (user) {
    return (
      <Card title="Sign in">
        <p className="text-sm text-ink-300" data-testid="signin-already">
          You are signed in as <span className="text-ink-100">{user.display_name}</span>.
        </p>
        <div className="mt-6 flex flex-wrap gap-3">
          <button type="button" className={buttonClass} onClick={() => go(next)}>
            Continue
          </button>
          <button
            type="button"
            className={secondaryButtonClass}
            onClick={() => void signOut().catch((failure: unknown) => setError(errorText(failure)))}
          >
            Sign out
          </button>
        </div>
        {error ? (
          <div className="mt-4">
            <FormAlert>{error}</FormAlert>
          </div>
        ) : null}
      </Card>
    );
  }

  return (
    <Card title="Sign in">
      <AuthForm
        testIdPrefix="signin"
        onSubmit={submit}
        error={error}
        busy={busy}
        busyText="Signing in…"
        submitLabel="Sign in"
      >
        <EmailField value={email} onChange={(e) => setEmail(e.target.value)} testId="signin-email" />
        <Field
          label="Password"
          type="password"
          name="password"
          autoComplete="current-password"
          required
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          testId="signin-password"
        />
        <p className="-mt-2 text-right text-sm">
          <Link href="/forgot-password/" className="text-accent hover:underline" data-testid="signin-forgot">
            Forgot your password?
          </Link>
        </p>
      </AuthForm>
      <p className="mt-5 text-sm text-ink-300">
        New here?{" "}
        <Link href="/register/" className="text-accent hover:underline">
          Create an account
        </Link>
        . Watching the market needs none.
      </p>
    </Card>
  );
}

export default function SignInPage() {
  usePageTitle("Sign in");
  return (
    <LoadingBoundary>
      <SignIn />
    </LoadingBoundary>
  );
}
