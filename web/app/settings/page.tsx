"use client";
// Account settings for the signed-in player: display name and public profile (PATCH
// /api/account/profile), password change (POST /api/auth/password, which starts a new session
// and ends every other one, so its token replaces ours), API keys for the Alpaca SDKs
// (components/ApiKeys.tsx), and signing out. Anonymous visitors are sent to sign in and
// brought back here.

import { useRouter } from "next/navigation";
import { useState, type FormEvent, type ReactNode } from "react";
import { NewPasswordField, RepeatPasswordField } from "@/components/AccountFields";
import { ApiKeys } from "@/components/ApiKeys";
import { Avatar } from "@/components/Avatar";
import {
  Field,
  FormAlert,
  FormSuccess,
  SubmitButton,
  retryText,
  secondaryButtonClass,
} from "@/components/Form";
import { errorText } from "@/components/Notice";
import { RequireUser } from "@/components/RequireUser";
import { ApiError, apiSend, paths } from "@/lib/api";
import { profileHref, useAuth } from "@/lib/auth";
import { formatDate } from "@/lib/format";
import { passwordLengthError } from "@/lib/password";
import { usePageTitle } from "@/lib/title";
import type { SessionResponse, User } from "@/lib/models";

function Section({ title, children, testId }: { title: string; children: ReactNode; testId?: string }) {
  return (
    <section className="rounded-xl border border-ink-700 bg-ink-900 p-5 md:p-6" data-testid={testId}>
      <h2 className="text-base font-semibold text-ink-100">{title}</h2>
      <div className="mt-4">{children}</div>
    </section>
  );
}

function ProfileForm({ user }: { user: User }) {
  const { applyUser } = useAuth();
  const [name, setName] = useState(user.display_name);
  const [isPublic, setIsPublic] = useState(user.public_profile);
  const [nameError, setNameError] = useState<string | null>(null);
  const [formError, setFormError] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (busy) return;
    setSaved(false);
    setFormError(null);
    const trimmed = name.trim();
    const length = Array.from(trimmed).length;
    if (length < 1 || length > 40) {
      setNameError("Use 1–40 characters.");
      return;
    }
    setNameError(null);
    setBusy(true);
    try {
      const answer = await apiSend<{ user: User }>("PATCH", paths.profile(), {
        display_name: trimmed,
        public_profile: isPublic,
      });
      applyUser(answer.user);
      setName(answer.user.display_name);
      setIsPublic(answer.user.public_profile);
      setSaved(true);
    } catch (error) {
      if (error instanceof ApiError && error.code === "invalid_display_name") {
        setNameError("Use 1–40 characters, without control characters.");
      } else {
        setFormError(errorText(error));
      }
    } finally {
      setBusy(false);
    }
  }

  return (
    <form noValidate onSubmit={submit} className="flex flex-col gap-4" data-testid="profile-form">
      <Field
        label="Display name"
        name="display_name"
        autoComplete="nickname"
        required
        value={name}
        onChange={(e) => {
          setName(e.target.value);
          setSaved(false);
        }}
        hint="1–40 characters, shown to other players."
        error={nameError}
        testId="settings-display-name"
      />
      <label className="flex items-start gap-3 text-sm">
        <input
          type="checkbox"
          className="mt-0.5 h-4 w-4 accent-accent"
          checked={isPublic}
          onChange={(e) => {
            setIsPublic(e.target.checked);
            setSaved(false);
          }}
          data-testid="settings-public"
        />
        <span>
          <span className="font-medium text-ink-100">Public profile</span>
          <span className="block text-xs text-ink-400">
            Off by default. When on, anyone can see at{" "}
            <span className="font-mono">{profileHref(user.user_tag)}</span> your display name, avatar and when you
            joined, your returns and rank, your equity over time, how your money is split between stocks, sectors
            and cash (as percentages: never how many shares or how much cash), and your trades (stock, side, price)
            only after a delay (15 minutes unless the server says otherwise). Your email is never shown. Turning it off takes it all down at
            once.
          </span>
        </span>
      </label>
      {formError ? <FormAlert>{formError}</FormAlert> : null}
      {saved ? <FormSuccess testId="settings-saved">Saved.</FormSuccess> : null}
      <div className="flex flex-wrap items-center gap-4">
        <SubmitButton busy={busy} busyText="Saving…" testId="settings-save">
          Save profile
        </SubmitButton>
        {user.public_profile ? (
          // A full page load: profiles are one shell page the server serves for every tag.
          <a href={profileHref(user.user_tag)} className="text-sm text-accent hover:underline" data-testid="settings-profile-link">
            View your public profile
          </a>
        ) : null}
      </div>
    </form>
  );
}

function PasswordForm({ username }: { username: string }) {
  const { applySession } = useAuth();
  const [current, setCurrent] = useState("");
  const [next, setNext] = useState("");
  const [confirm, setConfirm] = useState("");
  const [errors, setErrors] = useState<{ current?: string; next?: string; confirm?: string }>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [done, setDone] = useState(false);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (busy) return;
    setDone(false);
    setFormError(null);
    const local: typeof errors = {
      current: current ? undefined : "Enter your current password.",
      next: passwordLengthError(next),
      confirm: confirm === next ? undefined : "The two new passwords differ.",
    };
    setErrors(local);
    if (local.current || local.next || local.confirm) return;
    setBusy(true);
    try {
      const answer = await apiSend<SessionResponse>("POST", paths.password(), {
        current_password: current,
        new_password: next,
      });
      applySession(answer);
      setCurrent("");
      setNext("");
      setConfirm("");
      setDone(true);
    } catch (error) {
      if (error instanceof ApiError && error.code === "invalid_credentials") {
        setErrors({ current: "That is not your current password." });
      } else if (error instanceof ApiError && error.code === "password_policy") {
        setErrors({ next: error.message || "Use 8–128 characters that are not a common password." });
      } else if (error instanceof ApiError && error.code === "too_many_attempts") {
        setFormError(`Too many attempts. Try again ${retryText(error.retryAfter)}.`);
      } else {
        setFormError(errorText(error));
      }
    } finally {
      setBusy(false);
    }
  }

  return (
    <form noValidate onSubmit={submit} className="flex flex-col gap-4" data-testid="password-form">
      <p className="text-sm text-ink-300">
        Changing your password signs you out everywhere else: every other browser and device where you
        are signed in. This one stays signed in.
      </p>
      {/* Lets password managers tie the new password to the account. */}
      <input type="text" name="username" autoComplete="username" hidden readOnly value={username} />
      <Field
        label="Current password"
        type="password"
        name="current-password"
        autoComplete="current-password"
        value={current}
        onChange={(e) => setCurrent(e.target.value)}
        error={errors.current}
        testId="settings-current-password"
      />
      <NewPasswordField
        label="New password"
        value={next}
        onChange={(e) => setNext(e.target.value)}
        error={errors.next}
        testId="settings-new-password"
      />
      <RepeatPasswordField
        value={confirm}
        onChange={(e) => setConfirm(e.target.value)}
        error={errors.confirm}
        testId="settings-confirm-password"
      />
      {formError ? <FormAlert>{formError}</FormAlert> : null}
      {done ? (
        <FormSuccess testId="password-changed">Password changed. Every other session was signed out.</FormSuccess>
      ) : null}
      <div>
        <SubmitButton busy={busy} busyText="Changing…" testId="settings-password-submit">
          Change password
        </SubmitButton>
      </div>
    </form>
  );
}

function Settings({ user }: { user: User }) {
  const router = useRouter();
  const { signOut } = useAuth();
  const [signingOut, setSigningOut] = useState(false);
  const [signOutError, setSignOutError] = useState<string | null>(null);

  async function leave() {
    setSigningOut(true);
    setSignOutError(null);
    try {
      await signOut();
      router.push("/");
    } catch (failure) {
      setSignOutError(errorText(failure));
      setSigningOut(false);
    }
  }

  return (
    <div className="mx-auto flex max-w-2xl flex-col gap-5">
      <div className="flex items-center gap-4">
        <Avatar tag={user.user_tag} name={user.display_name} size={56} />
        <div className="min-w-0">
          <h1 className="text-2xl font-semibold tracking-tight">Settings</h1>
          <p className="text-sm text-ink-300">
            <span className="font-mono">@{user.user_tag}</span>
            {user.email ? <> · {user.email}</> : null}
            {user.role === "admin" ? <> · admin</> : null} · member since {formatDate(user.created_at)}
          </p>
        </div>
      </div>

      <Section title="Profile" testId="settings-profile">
        <ProfileForm key={user.id} user={user} />
      </Section>

      <Section title="Password" testId="settings-password">
        <PasswordForm key={user.id} username={user.email ?? user.user_tag} />
      </Section>

      <Section title="API keys" testId="settings-api-keys">
        <ApiKeys key={user.id} />
      </Section>

      <Section title="Sign out">
        <p className="text-sm text-ink-300">Ends this session in this browser. Other sessions stay signed in.</p>
        {signOutError ? (
          <div className="mt-3">
            <FormAlert>{signOutError}</FormAlert>
          </div>
        ) : null}
        <button
          type="button"
          className={`${secondaryButtonClass} mt-4`}
          onClick={() => void leave()}
          disabled={signingOut}
          data-testid="settings-signout"
        >
          {signingOut ? "Signing out…" : "Sign out"}
        </button>
      </Section>
    </div>
  );
}

export default function SettingsPage() {
  usePageTitle("Settings");
  return <RequireUser next="/settings/">{(user) => <Settings user={user} />}</RequireUser>;
}
