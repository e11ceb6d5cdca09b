"use client";
// What the signed-out account pages (register, sign in, forgot and reset password) share: the form
// with its fields, the form-wide alert and the submit button, and the "check your email" card that
// register and forgot-password both end on. Those two must answer the same whether or not an
// account uses the address, so their confirmations are kept alike on purpose.

import Link from "next/link";
import type { FormEvent, ReactNode } from "react";
import { Card, FormAlert, FormSuccess, SubmitButton } from "@/components/Form";

// The e2e tests find the parts as `<testIdPrefix>-form`, `-error` and `-submit`.
export function AuthForm({
  testIdPrefix,
  onSubmit,
  error,
  busy,
  busyText,
  submitLabel,
  children,
}: {
  testIdPrefix: string;
  onSubmit: (event: FormEvent<HTMLFormElement>) => void;
  error: string | null;
  busy: boolean;
  busyText: string;
  submitLabel: string;
  children: ReactNode;
}) {
  return (
    // noValidate: the pages' own checks word the errors and tie them to the fields.
    <form noValidate onSubmit={onSubmit} className="flex flex-col gap-4" data-testid={`${testIdPrefix}-form`}>
      {children}
      {error ? <FormAlert testId={`${testIdPrefix}-error`}>{error}</FormAlert> : null}
      <SubmitButton busy={busy} busyText={busyText} testId={`${testIdPrefix}-submit`}>
        {submitLabel}
      </SubmitButton>
    </form>
  );
}

export function CheckEmailCard({
  testId,
  children,
  nothingArrived,
  signInLabel,
}: {
  testId: string;
  children: ReactNode;
  nothingArrived: ReactNode;
  signInLabel: string;
}) {
  return (
    <Card title="Check your email">
      <FormSuccess testId={testId}>{children}</FormSuccess>
      <p className="mt-4 text-sm text-ink-300">{nothingArrived}</p>
      <div className="mt-6 flex gap-3 text-sm">
        <Link href="/signin/" className="text-accent hover:underline">
          {signInLabel}
        </Link>
        <Link href="/" className="text-ink-300 hover:text-ink-100">
          Back to the market
        </Link>
      </div>
    </Card>
  );
}
