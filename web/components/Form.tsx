"use client";
// The pieces every account form is built from: a labelled field with its hint and its error
// (tied together with aria-describedby, so a screen reader reads the error with the field),
// a form-wide alert, a submit button that shows it is busy, and a page card with an optional lead
// paragraph under its title.

import { useId, type InputHTMLAttributes, type ReactNode } from "react";

export const inputClass =
  "w-full rounded-md border border-ink-600 bg-ink-950 px-3 py-2 text-sm text-ink-100 placeholder:text-ink-400 " +
  "focus:border-accent focus:outline-none focus:ring-1 focus:ring-accent disabled:opacity-60 " +
  "aria-[invalid=true]:border-loss";

export const buttonClass =
  "inline-flex items-center justify-center rounded-md bg-accent px-4 py-2 text-sm font-medium text-white " +
  "transition-colors hover:bg-accent/90 disabled:cursor-not-allowed disabled:opacity-60";

export const secondaryButtonClass =
  "inline-flex items-center justify-center rounded-md border border-ink-600 px-3 py-1.5 text-sm text-ink-100 " +
  "transition-colors hover:border-accent hover:bg-ink-800 disabled:cursor-not-allowed disabled:opacity-60";

export const dangerButtonClass =
  "inline-flex items-center justify-center rounded-md border border-loss/50 px-3 py-1.5 text-sm text-loss " +
  "transition-colors hover:bg-loss/10 disabled:cursor-not-allowed disabled:opacity-60";

export function Field({
  label,
  hint,
  error,
  testId,
  ...input
}: {
  label: string;
  hint?: ReactNode;
  error?: string | null;
  testId?: string;
} & InputHTMLAttributes<HTMLInputElement>) {
  const id = useId();
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  const describedBy = [hint ? hintId : null, error ? errorId : null].filter(Boolean).join(" ") || undefined;
  return (
    <div className="flex flex-col gap-1.5">
      <label htmlFor={id} className="text-sm font-medium text-ink-100">
        {label}
      </label>
      <input
        id={id}
        className={inputClass}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy}
        data-testid={testId}
        {...input}
      />
      {hint ? (
        <p id={hintId} className="text-xs text-ink-400">
          {hint}
        </p>
      ) : null}
      {error ? (
        <p id={errorId} className="text-xs text-loss" data-testid={testId ? `${testId}-error` : undefined}>
          {error}
        </p>
      ) : null}
    </div>
  );
}

export function FormAlert({ children, testId }: { children: ReactNode; testId?: string }) {
  return (
    <div role="alert" className="rounded-md border border-loss/40 bg-loss/5 px-3 py-2 text-sm text-ink-100" data-testid={testId}>
      {children}
    </div>
  );
}

export function FormSuccess({ children, testId }: { children: ReactNode; testId?: string }) {
  return (
    <div role="status" className="rounded-md border border-gain/40 bg-gain/5 px-3 py-2 text-sm text-ink-100" data-testid={testId}>
      {children}
    </div>
  );
}

export function SubmitButton({
  busy,
  children,
  busyText,
  testId,
  disabled,
}: {
  busy: boolean;
  children: ReactNode;
  busyText?: string;
  testId?: string;
  disabled?: boolean;
}) {
  return (
    <button type="submit" className={buttonClass} disabled={busy || disabled} aria-busy={busy} data-testid={testId}>
      {busy ? (busyText ?? "Working…") : children}
    </button>
  );
}

export function Card({
  title,
  lead,
  children,
  wide = false,
}: {
  title: string;
  lead?: ReactNode;
  children: ReactNode;
  wide?: boolean;
}) {
  return (
    <div className={`mx-auto py-6 md:py-10 ${wide ? "max-w-2xl" : "max-w-md"}`}>
      <div className="rounded-xl border border-ink-700 bg-ink-900 p-6 md:p-8">
        <h1 className="text-2xl font-semibold tracking-tight">{title}</h1>
        <div className="mt-5">
          {lead ? <p className="-mt-2 mb-5 text-sm leading-relaxed text-ink-300">{lead}</p> : null}
          {children}
        </div>
      </div>
    </div>
  );
}

// "in 5 minutes" from a Retry-After in seconds.
export function retryText(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return "in a little while";
  if (seconds < 60) return seconds <= 1 ? "in a second" : `in ${seconds} seconds`;
  const minutes = Math.ceil(seconds / 60);
  if (minutes < 60) return minutes === 1 ? "in a minute" : `in ${minutes} minutes`;
  const hours = Math.ceil(minutes / 60);
  return hours === 1 ? "in an hour" : `in ${hours} hours`;
}
