"use client";
// The rule editor's compact fields: a labelled input and a labelled select of named options
// (smaller than the account forms' Field in Form.tsx, so the editor fits beside the rule list),
// and how a typed whole number is sent.

import type { InputHTMLAttributes } from "react";

export const ruleInputClass =
  "w-full rounded-md border border-ink-700 bg-ink-950 px-2.5 py-1.5 text-sm text-ink-100 focus:border-accent focus:outline-none";

export function RuleInput({ label, testId, ...rest }: { label: string; testId: string } & InputHTMLAttributes<HTMLInputElement>) {
  return (
    <label className="flex flex-col gap-1 text-xs text-ink-300">
      {label}
      <input className={ruleInputClass} data-testid={testId} {...rest} />
    </label>
  );
}

export function RuleSelect<T extends string>({
  label,
  testId,
  value,
  options,
  onChange,
}: {
  label: string;
  testId: string;
  value: T;
  options: Readonly<Record<T, string>>;
  onChange: (value: T) => void;
}) {
  return (
    <label className="flex flex-col gap-1 text-xs text-ink-300">
      {label}
      <select className={ruleInputClass} data-testid={testId} value={value} onChange={(e) => onChange(e.target.value as T)}>
        {(Object.keys(options) as T[]).map((option) => (
          <option key={option} value={option}>
            {options[option]}
          </option>
        ))}
      </select>
    </label>
  );
}

// A whole number as the API takes it (`every_days: 5`), or the text as typed when it is not one,
// so that the server names the field and what is wrong with it.
export function wholeNumberOrText(typed: string): number | string {
  const trimmed = typed.trim();
  return /^\d+$/.test(trimmed) ? Number(trimmed) : trimmed;
}
