"use client";
// The link from the verification mail: /verify/?token=…. The token is POSTed to
// /api/auth/verify exactly once per page load: tokens are single-use, and React's strict mode
// runs effects twice in development, so the request is kept in a module-level map by token
// and every render of the page waits on that same request.

import Link from "next/link";
import { useSearchParams } from "next/navigation";
import { useEffect, useState } from "react";
import { Card, FormAlert, FormSuccess, buttonClass, secondaryButtonClass } from "@/components/Form";
import { LoadingBoundary } from "@/components/LoadingBoundary";
import { errorText } from "@/components/Notice";
import { ApiError, apiSend, paths } from "@/lib/api";
import { usePageTitle } from "@/lib/title";

type Outcome = { ok: true; userTag: string | null } | { ok: false; error: unknown };

const attempts = new Map<string, Promise<Outcome>>();

function verifyOnce(token: string): Promise<Outcome> {
  let attempt = attempts.get(token);
  if (!attempt) {
    attempt = apiSend<{ status: string; user_tag?: string }>("POST", paths.verify(), { token }).then(
      (answer) => ({ ok: true, userTag: answer?.user_tag ?? null }),
      (error: unknown) => ({ ok: false, error }),
    );
    attempts.set(token, attempt);
  }
  return attempt;
}

// Only failures that say nothing about the token (network, 5xx, rate limit) may be retried.
function retryable(error: unknown): boolean {
  return !(error instanceof ApiError) || error.status === 0 || error.status === 429 || error.status >= 500;
}

function Verify() {
  const token = (useSearchParams().get("token") ?? "").trim();
  const [result, setResult] = useState<{ token: string; round: number; outcome: Outcome } | null>(null);
  const [round, setRound] = useState(0);

  useEffect(() => {
    if (!token) return;
    let live = true;
    void verifyOnce(token).then((outcome) => {
      if (live) setResult({ token, round, outcome });
    });
    return () => {
      live = false;
    };
  }, [token, round]);

  if (!token) {
    return (
      <Card title="Verify your email">
        <FormAlert testId="verify-error">
          This verification link is incomplete. Open the link from the email exactly as it arrived.
        </FormAlert>
      </Card>
    );
  }

  const outcome = result && result.token === token && result.round === round ? result.outcome : null;
  if (!outcome) {
    return (
      <Card title="Verify your email">
        <p className="text-sm text-ink-300" role="status" data-testid="verify-pending">
          Verifying your email…
        </p>
      </Card>
    );
  }

  if (outcome.ok) {
    return (
      <Card title="Email verified">
        <FormSuccess testId="verify-status">
          Your email is verified
          {outcome.userTag ? (
            <>
              {" "}
              and the account <span className="font-mono">@{outcome.userTag}</span> is ready
            </>
          ) : null}
          . Sign in to start.
        </FormSuccess>
        <Link href="/signin/" data-testid="verify-signin" className={`${buttonClass} mt-6`}>
          Sign in
        </Link>
      </Card>
    );
  }

  const error = outcome.error;
  const invalid = error instanceof ApiError && error.code === "invalid_token";
  return (
    <Card title="Verify your email">
      <FormAlert testId="verify-error">
        {invalid
          ? "This link does not work: it was already used, it expired (links last 24 hours), or it was cut short when copied."
          : `The email could not be verified: ${errorText(error)}`}
      </FormAlert>
      {invalid ? (
        <p className="mt-4 text-sm text-ink-300">
          If you already opened it once, your email is verified:{" "}
          <Link href="/signin/" className="text-accent hover:underline">
            sign in
          </Link>
          . Otherwise{" "}
          <Link href="/register/" className="text-accent hover:underline">
            register again
          </Link>{" "}
          for a new link.
        </p>
      ) : retryable(error) ? (
        <button
          type="button"
          className={`${secondaryButtonClass} mt-4`}
          onClick={() => {
            attempts.delete(token);
            setRound((r) => r + 1);
          }}
        >
          Try again
        </button>
      ) : null}
    </Card>
  );
}

export default function VerifyPage() {
  usePageTitle("Verify your email");
  return (
    <LoadingBoundary>
      <Verify />
    </LoadingBoundary>
  );
}
