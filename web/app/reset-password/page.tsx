"use client";
// The link from the password-reset mail: /reset-password/?token=…. The token is read once when
// the page mounts, kept in state, and the query is removed from the address bar at once
// (history.replaceState), so the token stays out of the history, bookmarks, referrers and error
// reports. The new password and the token go to POST /api/auth/password-reset/confirm, which ends
// every session of the account: the page says so and offers to sign in. There is no way to ask
// whether a token is good without spending it, so a dead link is only found out on submit.

import Link from "next/link";
import { useSearchParams } from "next/navigation";
import { useEffect, useState, type FormEvent } from "react";
import { NewPasswordField, RepeatPasswordField } from "@/components/AccountFields";
import { AuthForm } from "@/components/AuthForm";
import { Card, FormAlert, FormSuccess, buttonClass, retryText } from "@/components/Form";
import { LoadingBoundary } from "@/components/LoadingBoundary";
import { errorText } from "@/components/Notice";
import { ApiError, apiSend, paths } from "@/lib/api";
import { useAuth } from "@/lib/auth";
import { passwordLengthError, passwordPolicyText } from "@/lib/password";
import { usePageTitle } from "@/lib/title";

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
    const local: FieldErrors = {
      password: passwordLengthError(password),
      confirm: confirm === password ? undefined : "The two passwords differ.",
    };
    setErrors(local);
    if (local.password || local.confirm) return;
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
        setErrors({ password: passwordPolicyText(error.message) });
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
    <Card
      title="Choose a new password"
      lead="Setting a new password signs the account out everywhere: every browser and device where it is signed in."
    >
      <AuthForm
        testIdPrefix="reset"
        onSubmit={submit}
        error={formError}
        busy={busy}
        busyText="Saving…"
        submitLabel="Set the new password"
      >
        <NewPasswordField
          label="New password"
          required
          autoFocus
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          error={errors.password}
          testId="reset-password"
        />
        <RepeatPasswordField
          required
          value={confirm}
          onChange={(e) => setConfirm(e.target.value)}
          error={errors.confirm}
          testId="reset-confirm"
        />
      </AuthForm>
    </Card>
  );
}

export default function ResetPasswordPage() {
  usePageTitle("Choose a new password");
  return (
    <LoadingBoundary>
      <ResetPassword />
    </LoadingBoundary>
  );
}
