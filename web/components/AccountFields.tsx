"use client";
// The fields several account forms ask for (email, new password, the new password again), set up
// once so that every page gives browsers the same type, name and autocomplete: password managers
// go by those to fill a saved login, or to suggest a new password and save it for the account.

import type { ComponentProps } from "react";
import { Field } from "@/components/Form";
import { PASSWORD_HINT } from "@/lib/password";

type FieldProps = ComponentProps<typeof Field>;

export function EmailField(props: Omit<FieldProps, "label" | "type" | "name" | "autoComplete" | "inputMode">) {
  return <Field label="Email" type="email" name="email" autoComplete="email" inputMode="email" required {...props} />;
}

export function NewPasswordField(props: Omit<FieldProps, "type" | "name" | "autoComplete" | "hint">) {
  return <Field type="password" name="new-password" autoComplete="new-password" hint={PASSWORD_HINT} {...props} />;
}

export function RepeatPasswordField(props: Omit<FieldProps, "label" | "type" | "name" | "autoComplete">) {
  return <Field label="New password again" type="password" name="confirm-password" autoComplete="new-password" {...props} />;
}
