"use client";
// API keys for trading from code: the Alpaca SDKs (or plain HTTP) sign their requests with a
// key id and secret in the APCA-API-KEY-ID / APCA-API-SECRET-KEY headers. Keys are listed,
// created with a name and revoked here, with the browser session. The server keeps only a
// hash of the secret, so it is shown once, right after creation, with a copy button and an
// example that points an SDK at this site. Revoking asks for a second click: it breaks any
// program using the key at once.

import Link from "next/link";
import { useState, type FormEvent } from "react";
import useSWR from "swr";
import { ApiError, apiSend, paths } from "@/lib/api";
import { formatMarketTime } from "@/lib/format";
import type { ApiKeyList, NewApiKey } from "@/lib/models";
import { ConfirmAction } from "./admin/shared";
import { Field, FormAlert, SubmitButton, secondaryButtonClass } from "./Form";
import { ErrorNotice, errorText } from "./Notice";

const MAX_KEYS = 10;

function CopyButton({ text, label, testId }: { text: string; label: string; testId?: string }) {
  const [state, setState] = useState<"idle" | "copied" | "failed">("idle");
  async function copy() {
    try {
      await navigator.clipboard.writeText(text);
      setState("copied");
    } catch {
      // No clipboard (an insecure origin, a denied permission): the text is selectable.
      setState("failed");
    }
  }
  return (
    <button
      type="button"
      className={`${secondaryButtonClass} shrink-0 text-xs`}
      onClick={() => void copy()}
      aria-label={label}
      data-testid={testId}
    >
      {state === "copied" ? "Copied" : state === "failed" ? "Select and copy" : "Copy"}
    </button>
  );
}

function Secret({ created, onDismiss }: { created: NewApiKey; onDismiss: () => void }) {
  const origin = typeof window === "undefined" ? "" : window.location.origin;
  const example = `import Alpaca from "@alpacahq/alpaca-trade-api"; // version 3.x

const alpaca = new Alpaca({
  keyId: "${created.key_id}",
  secretKey: "${created.secret}",
  paper: true,
  baseUrl: "${origin}",
  dataBaseUrl: "${origin}",
});

const account = await alpaca.getAccount();`;
  const curl = `curl ${origin}/v2/account \\
  -H "APCA-API-KEY-ID: ${created.key_id}" \\
  -H "APCA-API-SECRET-KEY: ${created.secret}"`;

  return (
    <div className="flex flex-col gap-3 rounded-lg border border-accent/50 bg-accent/5 p-4" data-testid="api-key-created">
      <p role="alert" className="text-sm font-medium text-ink-100">
        Copy the secret now: it is shown only this once. marketsim stores only a hash of it, so a lost
        secret cannot be recovered (revoke the key and create another).
      </p>
      <div className="flex flex-col gap-1">
        <span className="text-xs text-ink-400">Key id</span>
        <div className="flex items-center gap-2">
          <code className="min-w-0 flex-1 truncate rounded bg-ink-950 px-2 py-1.5 font-mono text-sm text-ink-100" data-testid="api-key-id">
            {created.key_id}
          </code>
          <CopyButton text={created.key_id} label="Copy key id" />
        </div>
      </div>
      <div className="flex flex-col gap-1">
        <span className="text-xs text-ink-400">Secret</span>
        <div className="flex items-center gap-2">
          <code
            className="min-w-0 flex-1 rounded bg-ink-950 px-2 py-1.5 font-mono text-sm break-all text-ink-100 select-all"
            data-testid="api-key-secret"
          >
            {created.secret}
          </code>
          <CopyButton text={created.secret} label="Copy secret" testId="api-key-copy" />
        </div>
      </div>
      <div className="flex flex-col gap-1">
        <span className="text-xs text-ink-400">
          With the Alpaca SDK for JavaScript, version 3.x (other Alpaca SDKs take the same settings):
        </span>
        <span className="text-xs text-loss" data-testid="api-key-warning">
          Version 4.x of that SDK ignores <code>baseUrl</code> and always talks to Alpaca itself: never
          give it this key unless you redirect it (see the README), or the key leaves for Alpaca.
        </span>
        <pre className="overflow-x-auto rounded bg-ink-950 p-3 font-mono text-xs leading-relaxed text-ink-300" data-testid="api-key-example">
          {example}
        </pre>
        <span className="text-xs text-ink-400">Or plain HTTP:</span>
        <pre className="overflow-x-auto rounded bg-ink-950 p-3 font-mono text-xs leading-relaxed text-ink-300">{curl}</pre>
      </div>
      <div>
        <button type="button" className={secondaryButtonClass} onClick={onDismiss} data-testid="api-key-dismiss">
          I have stored the secret
        </button>
      </div>
    </div>
  );
}

export function ApiKeys() {
  const { data, error, mutate } = useSWR<ApiKeyList>(paths.apiKeys());
  const [name, setName] = useState("");
  const [nameError, setNameError] = useState<string | null>(null);
  const [formError, setFormError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [created, setCreated] = useState<NewApiKey | null>(null);

  const keys = data?.keys ?? [];
  const full = keys.length >= MAX_KEYS;

  async function create(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (busy) return;
    setFormError(null);
    const trimmed = name.trim();
    if (!trimmed) {
      setNameError("Name the key after what will use it, e.g. “my trading bot”.");
      return;
    }
    setNameError(null);
    setBusy(true);
    try {
      const answer = await apiSend<NewApiKey>("POST", paths.apiKeys(), { name: trimmed });
      setCreated(answer);
      setName("");
      void mutate();
    } catch (failure) {
      if (failure instanceof ApiError && failure.status === 400) setNameError(failure.message);
      else setFormError(errorText(failure));
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="flex flex-col gap-4" data-testid="api-keys">
      <p className="text-sm text-ink-300">
        Trade from your own programs with any Alpaca SDK: point it at this site and give it a key. A key can do
        everything you can do on the trading pages. Every route, answer and error code is in the{" "}
        <Link href="/docs/api/" className="text-accent hover:underline" data-testid="api-reference-link">
          API reference
        </Link>
        .
      </p>

      {created ? <Secret created={created} onDismiss={() => setCreated(null)} /> : null}

      {error && !data ? (
        <ErrorNotice title="Could not load your API keys" error={error} onRetry={() => void mutate()} />
      ) : !data ? (
        <p className="text-sm text-ink-400" role="status">
          Loading…
        </p>
      ) : keys.length === 0 ? (
        <p className="text-sm text-ink-400" data-testid="api-keys-empty">
          No keys yet.
        </p>
      ) : (
        <div className="overflow-x-auto">
          <table className="w-full text-left text-sm">
            <thead className="border-b border-ink-700 text-xs text-ink-400">
              <tr>
                <th scope="col" className="py-2 pr-3 font-normal">
                  Name
                </th>
                <th scope="col" className="py-2 pr-3 font-normal">
                  Key id
                </th>
                <th scope="col" className="py-2 pr-3 font-normal">
                  Created
                </th>
                <th scope="col" className="py-2 pr-3 font-normal">
                  Last used
                </th>
                <th scope="col" className="py-2 font-normal">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody className="divide-y divide-ink-800">
              {keys.map((key) => (
                <tr key={String(key.id)} data-testid="api-key-row" className="align-top">
                  <td className="py-2 pr-3 text-ink-100">{key.name}</td>
                  <td className="py-2 pr-3 font-mono text-xs text-ink-300">{key.key_id}</td>
                  <td className="py-2 pr-3 text-xs whitespace-nowrap text-ink-300">{formatMarketTime(key.created_at)}</td>
                  <td className="py-2 pr-3 text-xs whitespace-nowrap text-ink-300">
                    {key.last_used_at ? formatMarketTime(key.last_used_at) : "never"}
                  </td>
                  <td className="py-2 text-right">
                    <ConfirmAction
                      label="Revoke"
                      question="Revoke this key? Programs using it stop working at once."
                      tone="danger"
                      testId="api-key-revoke"
                      onConfirm={async () => {
                        await apiSend<void>("DELETE", paths.apiKey(key.id));
                        await mutate();
                      }}
                    />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}

      <form noValidate onSubmit={create} className="flex flex-col gap-3" data-testid="api-key-form">
        <Field
          label="Key name"
          name="api_key_name"
          autoComplete="off"
          maxLength={100}
          value={name}
          onChange={(e) => setName(e.target.value)}
          error={nameError}
          hint={full ? `You have the most keys allowed (${MAX_KEYS}); revoke one to create another.` : undefined}
          testId="api-key-name"
        />
        {formError ? <FormAlert>{formError}</FormAlert> : null}
        <div>
          <SubmitButton busy={busy} busyText="Creating…" disabled={full} testId="api-key-create">
            Create key
          </SubmitButton>
        </div>
      </form>
    </div>
  );
}
