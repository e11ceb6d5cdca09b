"use client";
// "Forgot your password?": an email address to POST /api/auth/password-reset. The server answers
// 202 whether or not an account uses the address (and mails a one-hour, single-use link to
// /reset-password/ only when one does), so the page shows the same neutral confirmation either
// way and must never hint which case it was.

import Link from "next/link";
import { useState, type FormEvent } from "react";
import { EmailField } from "@/components/AccountFields";
import { AuthForm, CheckEmailCard } from "@/components/AuthForm";
import { Card, retryText } from "@/components/Form";
import { errorText } from "@/components/Notice";
import { ApiError, apiSend, paths } from "@/lib/api";
import { usePageTitle } from "@/lib/title";

function fromServer(error: unknown): { field: string | null; form: string | null } {
  if (!(error instanceof ApiError)) return { field: null, form: errorText(error) };
  switch (error.code) {
    case "invalid_email":
      return { field: "That is not an email address we can use.", form: null };
    case "too_many_requests":
      return { field: null, form: `Too many requests for a reset link. Try again ${retryText(error.retryAfter)}.` };
    default:
      return { field: null, form: errorText(error) };
  }
}

export default function ForgotPasswordPage() {
  usePageTitle("Forgot your password?");
  const [email, setEmail] = useState("");
  const [fieldError, setFieldError] = useState<string | null>(null);
  const [formError, setFormError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [sentTo, setSentTo] = useState<string | null>(null);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (busy) return;
    const trimmed = email.trim();
    setFormError(null);
    if (!/^[^\s@]+@[^\s@]+$/.test(trimmed)) {
      setFieldError("Enter the email address you registered with.");
      return;
    }
    setFieldError(null);
    setBusy(true);
    try {
      await apiSend("POST", paths.passwordReset(), { email: trimmed });
      setSentTo(trimmed);
    } catch (error) {
      const verdict = fromServer(error);
      setFieldError(verdict.field);
      setFormError(verdict.form);
    } finally {
      setBusy(false);
    }
  }

  if (sentTo) {
    return (
      <CheckEmailCard
        testId="forgot-done"
        signInLabel="Back to sign in"
        nothingArrived={
          <>
            Nothing arrived? Look in the spam folder, check the address you typed, or{" "}
            <button
              type="button"
              className="text-accent hover:underline"
              onClick={() => setSentTo(null)}
              data-testid="forgot-again"
            >
              ask again
            </button>
            .
          </>
        }
      >
        If an account uses <span className="font-medium break-all">{sentTo}</span>, we sent it a link to
        choose a new password. The link works once, for one hour.
      </CheckEmailCard>
    );
  }

  return (
    <Card
      title="Forgot your password?"
      lead="Enter the email address of your account and we will mail you a link to choose a new password."
    >
      <AuthForm
        testIdPrefix="forgot"
        onSubmit={submit}
        error={formError}
        busy={busy}
        busyText="Sending…"
        submitLabel="Send the link"
      >
        <EmailField value={email} onChange={(e) => setEmail(e.target.value)} error={fieldError} testId="forgot-email" />
      </AuthForm>
      <p className="mt-5 text-sm text-ink-300">
        Remembered it?{" "}
        <Link href="/signin/" className="text-accent hover:underline">
          Sign in
        </Link>
      </p>
    </Card>
  );
}
