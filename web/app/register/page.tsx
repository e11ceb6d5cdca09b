"use client";
// Registration: email, password, user tag and display name. The server answers 202 whether or
// not the email already has an account (the owner of a known address is told by mail that
// someone tried), so the page shows the same "check your email" either way and must never hint
// which case it was. Field errors come from the server's codes; the few checks done here only
// mirror its rules to save a round trip.

import Link from "next/link";
import { useState, type FormEvent } from "react";
import { EmailField, NewPasswordField } from "@/components/AccountFields";
import { AuthForm, CheckEmailCard } from "@/components/AuthForm";
import { Card, Field, retryText } from "@/components/Form";
import { errorText } from "@/components/Notice";
import { ApiError, apiSend, paths } from "@/lib/api";
import { useAuth } from "@/lib/auth";
import { passwordLengthError, passwordPolicyText } from "@/lib/password";
import { usePageTitle } from "@/lib/title";

type FieldName = "email" | "password" | "user_tag" | "display_name";
type FieldErrors = Partial<Record<FieldName, string>>;

const TAG = /^[a-z0-9_]{3,20}$/;
const TAG_HINT = "3–20 characters: lowercase letters a–z, digits and _. Your public name in URLs; it cannot be changed.";
const NAME_HINT = "1–40 characters, shown to other players.";

function checkLocally(email: string, password: string, tag: string, name: string): FieldErrors {
  const errors: FieldErrors = {};
  if (!/^[^\s@]+@[^\s@]+$/.test(email)) errors.email = "Enter an email address.";
  const passwordError = passwordLengthError(password);
  if (passwordError) errors.password = passwordError;
  if (!TAG.test(tag)) errors.user_tag = "Use 3–20 lowercase letters a–z, digits or _.";
  const nameLength = Array.from(name.trim()).length;
  if (nameLength < 1 || nameLength > 40) errors.display_name = "Use 1–40 characters.";
  return errors;
}

// The server's verdict, as field errors where a field is to blame.
function fromServer(error: unknown): { fields: FieldErrors; form: string | null } {
  if (!(error instanceof ApiError)) return { fields: {}, form: errorText(error) };
  switch (error.code) {
    case "invalid_email":
      return { fields: { email: "That is not an email address we can use." }, form: null };
    case "password_policy":
      return { fields: { password: passwordPolicyText(error.message) }, form: null };
    case "invalid_user_tag":
      return { fields: { user_tag: "Use 3–20 lowercase letters a–z, digits or _." }, form: null };
    case "user_tag_taken":
      return { fields: { user_tag: "That user tag is taken. Try another one." }, form: null };
    case "invalid_display_name":
      return { fields: { display_name: "Use 1–40 characters, without control characters." }, form: null };
    case "too_many_requests":
      return { fields: {}, form: `Too many attempts from here. Try again ${retryText(error.retryAfter)}.` };
    default:
      return { fields: {}, form: errorText(error) };
  }
}

export default function RegisterPage() {
  usePageTitle("Register");
  const { user } = useAuth();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [tag, setTag] = useState("");
  const [name, setName] = useState("");
  const [errors, setErrors] = useState<FieldErrors>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [sentTo, setSentTo] = useState<string | null>(null);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (busy) return;
    const trimmedEmail = email.trim();
    const local = checkLocally(trimmedEmail, password, tag, name);
    setErrors(local);
    setFormError(null);
    if (Object.keys(local).length > 0) return;
    setBusy(true);
    try {
      await apiSend("POST", paths.register(), {
        email: trimmedEmail,
        password,
        user_tag: tag,
        display_name: name.trim(),
      });
      setSentTo(trimmedEmail);
      setPassword("");
    } catch (error) {
      const verdict = fromServer(error);
      setErrors(verdict.fields);
      setFormError(verdict.form);
    } finally {
      setBusy(false);
    }
  }

  if (sentTo) {
    return (
      <CheckEmailCard
        testId="register-done"
        signInLabel="Sign in"
        nothingArrived="Nothing arrived? Look in the spam folder, and check the address you typed."
      >
        Check your email for a verification link. We sent a message to{" "}
        <span className="font-medium break-all">{sentTo}</span>; open the link in it within 24 hours
        to activate the account.
      </CheckEmailCard>
    );
  }

  return (
    <Card
      title="Create an account"
      lead="An account gives you virtual cash to trade with, a portfolio and a watchlist. Watching the market needs no account."
    >
      {user ? (
        <div className="mb-5 rounded-md border border-ink-700 bg-ink-850 px-3 py-2 text-sm text-ink-300">
          You are signed in as <span className="text-ink-100">{user.display_name}</span>. Sign out first to
          register another account.
        </div>
      ) : null}
      <AuthForm
        testIdPrefix="register"
        onSubmit={submit}
        error={formError}
        busy={busy}
        busyText="Creating…"
        submitLabel="Create account"
      >
        <EmailField value={email} onChange={(e) => setEmail(e.target.value)} error={errors.email} testId="register-email" />
        <NewPasswordField
          label="Password"
          required
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          error={errors.password}
          testId="register-password"
        />
        <Field
          label="User tag"
          name="user_tag"
          autoComplete="username"
          autoCapitalize="none"
          autoCorrect="off"
          spellCheck={false}
          required
          maxLength={20}
          value={tag}
          // Tags are lowercase; typing "Ada" should not be an error.
          onChange={(e) => setTag(e.target.value.toLowerCase())}
          hint={TAG_HINT}
          error={errors.user_tag}
          testId="register-tag"
        />
        <Field
          label="Display name"
          name="display_name"
          autoComplete="nickname"
          required
          value={name}
          onChange={(e) => setName(e.target.value)}
          hint={NAME_HINT}
          error={errors.display_name}
          testId="register-name"
        />
      </AuthForm>
      <p className="mt-5 text-sm text-ink-300">
        Already registered?{" "}
        <Link href="/signin/" className="text-accent hover:underline">
          Sign in
        </Link>
      </p>
    </Card>
  );
}
