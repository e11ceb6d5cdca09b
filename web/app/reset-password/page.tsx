"use client";
// The link from the password-reset mail: /reset-password/?token=…. The token is read once when
// the page mounts, kept in state, and the query is removed from the address bar at once
// (history.replaceState), so the token stays out of the history, bookmarks, referrers and error
// reports. The new password and the token go to POST /api/auth/password-reset/confirm, which ends
// every session of the account: the page says so and offers to sign in. There is no way to ask
// whether a token is good without spending it, so a dead link is only found out on submit.

import Link from "next/link";
import { useSearchParams } from "next/navigation";
import { Suspense, useEffect, useState, type FormEvent } from "react";
import { Card, Field, FormAlert, FormSuccess, SubmitButton, buttonClass, retryText } from "@/components/Form";
import { errorText } from "@/components/Notice";
import { ApiError, apiSend, paths } from "@/lib/api";
import { useAuth } from "@/lib/auth";
import { usePageTitle } from "@/lib/title";

const PASSWORD_HINT = "8–128 characters, and not a common password.";

type FieldErrors = { password?: string; confirm?: string };
type Stage = "form" | "done" | "dead";

function NewLinkHint() {
  return (
    <p className="mt-4 text-sm text-ink-300">
      <Link href="/forgot-password/" className="text-accent hover:underline" data-testid="reset-new-link">
        Request a new link
      </Link>{" "}
      and open the newest mail we send. Remembered your password?{" "}
      <Link href="/signin/" className="text-accent hover:underline">
        Sign in
      </Link>
      .
    </p>
  );
}

function ResetPassword() {
  const params = useSearchParams();
  // Read once: the effect below empties the query, and useSearchParams follows it.
  const [token, setToken] = useState(() => (params.get("token") ?? "").trim());
  const { refresh } = useAuth();
  const [password, setPassword] = useState("");
  const [confirm, setConfirm] = useState("");
  const [errors, setErrors] = useState<FieldErrors>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [stage, setStage] = useState<Stage>("form");

  useEffect(() => {
    if (window.location.search) {
      window.history.replaceState(null, "", `${window.location.pathname}${window.location.hash}`);
    }
  }, []);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (busy) return;
    setFormError(null);
    const local: FieldErrors = {};
    const length = Array.from(password).length;
    if (length < 8 || length > 128) local.password = "Use 8–128 characters.";
    if (confirm !== password) local.confirm = "The two passwords differ.";
    setErrors(local);
    if (Object.keys(local).length > 0) return;
    setBusy(true);
    try {
      await apiSend("POST", paths.passwordResetConfirm(), { token, new_password: password });
      setToken("");
      setPassword("");
      setConfirm("");
      setStage("done");
      // Every session of the account ended, perhaps this browser's too: let the header know.
      void refresh().catch(() => undefined);
    } catch (error) {
      if (error instanceof ApiError && error.code === "invalid_token") {
        setToken("");
        setStage("dead");
      } else if (error instanceof ApiError && error.code === "password_policy") {
        setErrors({ password: error.message || `Choose a password of ${PASSWORD_HINT}` });
      } else if (error instanceof ApiError && (error.code === "too_many_attempts" || error.code === "too_many_requests")) {
        setFormError(`Too many attempts. Try again ${retryText(error.retryAfter)}.`);
      } else {
        setFormError(errorText(error));
      }
    } finally {
      setBusy(false);
    }
  }

  if (stage === "done") {
    return (
      <Card title="Password changed">
        <FormSuccess testId="reset-done">
          Your new password is set. For safety every session of the account was signed out, on this and
          every other device: sign in again with the new password.
        </FormSuccess>
        <Link href="/signin/" data-testid="reset-signin" className={`${buttonClass} mt-6`}>
          Sign in
        </Link>
      </Card>
    );
  }

  if (stage === "dead" || !token) {
    return (
      <Card title="Choose a new password">
        <FormAlert testId="reset-invalid">
          {stage === "dead"
            ? "This link does not work: it was already used, it expired (links last one hour), or it was cut short when copied."
            : "This reset link is incomplete. Open the link from the email exactly as it arrived."}
        </FormAlert>
        <NewLinkHint />
      </Card>
    );
  }

  return (
    <Card title="Choose a new password">
      <p className="-mt-2 mb-5 text-sm leading-relaxed text-ink-300">
        Setting a new password signs the account out everywhere: every browser and device where it is
        signed in.
      </p>
      <form noValidate onSubmit={submit} className="flex flex-col gap-4" data-testid="reset-form">
        <Field
          label="New password"
          type="password"
          name="new-password"
          autoComplete="new-password"
          required
          autoFocus
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          hint={PASSWORD_HINT}
          error={errors.password}
          testId="reset-password"
        />
        <Field
          label="New password again"
          type="password"
          name="confirm-password"
          autoComplete="new-password"
          required
          value={confirm}
          onChange={(e) => setConfirm(e.target.value)}
          error={errors.confirm}
          testId="reset-confirm"
        />
        {formError ? <FormAlert testId="reset-error">{formError}</FormAlert> : null}
        <SubmitButton busy={busy} busyText="Saving…" testId="reset-submit">
          Set the new password
        </SubmitButton>
      </form>
    </Card>
  );
}

export default function ResetPasswordPage() {
  usePageTitle("Choose a new password");
  return (
    <Suspense fallback={<div className="text-sm text-ink-400">Loading…</div>}>
      <ResetPassword />
    </Suspense>
  );
}
