"use client";
// Watchlist: the player's lists of instruments to follow (GET /v2/watchlists), one shown at a
// time, chosen in the address (/watchlist/?list=<id>) so a reload or a link keeps it. Each row
// is priced live: the market list (/api/stocks) gives the price and change it starts from and
// the stream moves them (useLiveQuote). Lists are created, renamed and deleted here; symbols
// are added from a picker of every listed instrument, or from a stock's page.
// Deleting a list asks once more, since its symbols go with it; removing a symbol does not.

import Link from "next/link";
import { useRouter, useSearchParams } from "next/navigation";
import { useId, useState, type FormEvent } from "react";
import useSWR from "swr";
import { paths } from "@/lib/api";
import { formatDecimal } from "@/lib/format";
import { useLiveQuote } from "@/lib/live";
import type { Asset, Stock, StockList, WatchlistSummary } from "@/lib/models";
import {
  PRIMARY_WATCHLIST,
  WATCHLIST_NAME_MAX,
  useWatchlist,
  useWatchlistActions,
  useWatchlists,
  watchlistNameProblem,
} from "@/lib/watchlists";
import { Change } from "./Change";
import { FormAlert, dangerButtonClass, inputClass, secondaryButtonClass } from "./Form";
import { ErrorNotice, errorText } from "./Notice";
import { usePriceFlash } from "./StockCard";

const smallButton =
  "rounded-md border px-2 py-1 text-xs whitespace-nowrap transition-colors disabled:cursor-not-allowed disabled:opacity-50";

function listHref(id: string): string {
  return `/watchlist/?list=${encodeURIComponent(id)}`;
}

// A new list: a name, then "Create list". The first list is offered as "Primary Watchlist".
function CreateForm({ suggested, onCreated }: { suggested: string; onCreated: (id: string) => void }) {
  const { create } = useWatchlistActions();
  const [name, setName] = useState(suggested);
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const inputId = useId();

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (busy) return;
    const found = watchlistNameProblem(name);
    setProblem(found);
    if (found) return;
    setBusy(true);
    try {
      const list = await create(name);
      setName("");
      onCreated(list.id);
    } catch (error) {
      setProblem(errorText(error));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form noValidate onSubmit={submit} className="flex flex-col gap-1.5" data-testid="watchlist-create">
      <label htmlFor={inputId} className="text-sm font-medium text-ink-100">
        New list
      </label>
      <div className="flex gap-2">
        <div className="w-56 max-w-full">
          <input
            id={inputId}
            className={inputClass}
            placeholder="e.g. Tech"
            maxLength={WATCHLIST_NAME_MAX}
            autoComplete="off"
            value={name}
            onChange={(e) => {
              setName(e.target.value);
              setProblem(null);
            }}
            aria-invalid={problem ? true : undefined}
            data-testid="watchlist-create-name"
          />
        </div>
        <button
          type="submit"
          className={`${secondaryButtonClass} whitespace-nowrap`}
          disabled={busy}
          data-testid="watchlist-create-submit"
        >
          {busy ? "Creating…" : "Create list"}
        </button>
      </div>
      {problem ? (
        <p className="text-xs text-loss" role="alert" data-testid="watchlist-create-error">
          {problem}
        </p>
      ) : null}
    </form>
  );
}

// Adds one instrument from the market's list (those not in the list already).
function AddForm({ listId, have, stocks }: { listId: string; have: ReadonlySet<string>; stocks: Stock[] | undefined }) {
  const { add } = useWatchlistActions();
  const [symbol, setSymbol] = useState("");
  const [failure, setFailure] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const selectId = useId();
  const choices = (stocks ?? []).filter((s) => !have.has(s.symbol));
  const chosen = choices.some((s) => s.symbol === symbol) ? symbol : "";

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (busy || !chosen) return;
    setBusy(true);
    setFailure(null);
    try {
      await add(listId, chosen);
      setSymbol("");
    } catch (error) {
      setFailure(errorText(error));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form noValidate onSubmit={submit} className="flex flex-col gap-1.5" data-testid="watchlist-add">
      <label htmlFor={selectId} className="text-sm font-medium text-ink-100">
        Add an instrument
      </label>
      <div className="flex gap-2">
        <div className="w-72 max-w-full">
          <select
            id={selectId}
            className={inputClass}
            value={chosen}
            disabled={!stocks || busy}
            onChange={(e) => {
              setSymbol(e.target.value);
              setFailure(null);
            }}
            data-testid="watchlist-add-symbol"
          >
            <option value="" disabled>
              {!stocks ? "Loading…" : choices.length === 0 ? "Everything is in this list" : "Choose an instrument…"}
            </option>
            {choices.map((s) => (
              <option key={s.symbol} value={s.symbol}>
                {s.symbol} · {s.name}
              </option>
            ))}
          </select>
        </div>
        <button type="submit" className={secondaryButtonClass} disabled={busy || !chosen} data-testid="watchlist-add-submit">
          {busy ? "Adding…" : "Add"}
        </button>
      </div>
      {failure ? <FormAlert testId="watchlist-add-error">{failure}</FormAlert> : null}
    </form>
  );
}

function Row({ asset, stock, onRemove }: { asset: Asset; stock: Stock | undefined; onRemove: () => Promise<void> }) {
  const live = useLiveQuote(asset.symbol, stock);
  const flash = usePriceFlash(live.price);
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<string | null>(null);
  const href = `/stock/?symbol=${encodeURIComponent(asset.symbol)}`;

  async function remove() {
    setBusy(true);
    setFailure(null);
    try {
      await onRemove();
    } catch (error) {
      setFailure(errorText(error));
      setBusy(false);
    }
  }

  return (
    <tr data-testid="watchlist-row" data-symbol={asset.symbol}>
      <td className="px-4 py-2.5 text-left">
        <Link href={href} className="font-mono font-semibold text-ink-100 hover:text-accent" data-testid="watchlist-symbol">
          {asset.symbol}
        </Link>
        {stock?.halted ? (
          <span className="ml-2 rounded border border-loss/40 px-1 py-0.5 text-[10px] uppercase text-loss">halted</span>
        ) : null}
        <span className="block max-w-[16rem] truncate text-xs text-ink-400" title={asset.name}>
          {asset.name}
        </span>
      </td>
      <td className="relative px-3 py-2.5 text-right font-medium text-ink-100" data-testid="watchlist-price">
        {flash.count > 0 ? (
          <span
            key={flash.count}
            aria-hidden="true"
            className={`pointer-events-none absolute inset-0 ${flash.up ? "flash-up" : "flash-down"}`}
          />
        ) : null}
        <span className="relative">{live.price === null ? "—" : formatDecimal(live.price)}</span>
      </td>
      <td className="px-3 py-2.5 text-right" data-testid="watchlist-change">
        <Change change={live.change} percent={live.change_percent} />
      </td>
      <td className="px-4 py-2.5 text-right">
        <span className="inline-flex gap-1.5">
          <Link
            href={`/trade/?symbol=${encodeURIComponent(asset.symbol)}`}
            className={`${smallButton} border-accent/60 text-ink-100 hover:bg-accent/15`}
            data-testid="watchlist-trade"
          >
            Trade
          </Link>
          <button
            type="button"
            className={`${smallButton} border-ink-600 text-ink-300 hover:border-loss/60 hover:text-loss`}
            onClick={() => void remove()}
            disabled={busy}
            aria-label={`Remove ${asset.symbol} from the list`}
            data-testid="watchlist-remove"
          >
            {busy ? "Removing…" : "Remove"}
          </button>
        </span>
        {failure ? (
          <span className="mt-1 block text-xs text-loss" role="alert">
            {failure}
          </span>
        ) : null}
      </td>
    </tr>
  );
}

// The list's name, with Rename and Delete (which asks once more).
function ListHeader({
  summary,
  count,
  onDeleted,
}: {
  summary: WatchlistSummary;
  count: number | null;
  onDeleted: () => void;
}) {
  const { rename, destroy } = useWatchlistActions();
  const [mode, setMode] = useState<"view" | "rename" | "confirm">("view");
  const [name, setName] = useState(summary.name);
  const [failure, setFailure] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submitRename(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (busy) return;
    const problem = watchlistNameProblem(name);
    if (problem) {
      setFailure(problem);
      return;
    }
    if (name.trim() === summary.name) {
      setMode("view");
      return;
    }
    setBusy(true);
    setFailure(null);
    try {
      await rename(summary.id, name);
      setMode("view");
    } catch (error) {
      setFailure(errorText(error));
    } finally {
      setBusy(false);
    }
  }

  async function remove() {
    setBusy(true);
    setFailure(null);
    try {
      await destroy(summary.id);
      onDeleted();
    } catch (error) {
      setFailure(errorText(error));
      setBusy(false);
    }
  }

  return (
    <div className="flex flex-col gap-2 border-b border-ink-700 px-4 py-3">
      {mode === "rename" ? (
        <form noValidate onSubmit={submitRename} className="flex flex-wrap items-center gap-2" data-testid="watchlist-rename-form">
          <input
            className={`${inputClass} max-w-64`}
            aria-label="List name"
            maxLength={WATCHLIST_NAME_MAX}
            autoComplete="off"
            value={name}
            onChange={(e) => {
              setName(e.target.value);
              setFailure(null);
            }}
            autoFocus
            data-testid="watchlist-rename-name"
          />
          <button type="submit" className={secondaryButtonClass} disabled={busy} data-testid="watchlist-rename-submit">
            {busy ? "Saving…" : "Save"}
          </button>
          <button
            type="button"
            className={`${smallButton} border-ink-600 text-ink-300 hover:bg-ink-800`}
            onClick={() => {
              setMode("view");
              setName(summary.name);
              setFailure(null);
            }}
            disabled={busy}
          >
            Cancel
          </button>
        </form>
      ) : (
        <div className="flex flex-wrap items-center justify-between gap-3">
          <h2 className="text-base font-semibold text-ink-100" data-testid="watchlist-name">
            {summary.name}
            {count !== null ? (
              <span className="ml-2 text-sm font-normal text-ink-400">
                {count === 1 ? "1 instrument" : `${count} instruments`}
              </span>
            ) : null}
          </h2>
          {mode === "confirm" ? (
            <span className="inline-flex flex-wrap items-center gap-2 text-sm text-ink-300" role="group" aria-label="Confirm delete">
              Delete “{summary.name}”{count ? ` and its ${count === 1 ? "instrument" : `${count} instruments`}` : ""}?
              <button
                type="button"
                className={dangerButtonClass}
                onClick={() => void remove()}
                disabled={busy}
                data-testid="watchlist-delete-confirm"
              >
                {busy ? "Deleting…" : "Delete"}
              </button>
              <button
                type="button"
                className={`${smallButton} border-ink-600 text-ink-300 hover:bg-ink-800`}
                onClick={() => setMode("view")}
                disabled={busy}
              >
                Keep
              </button>
            </span>
          ) : (
            <span className="inline-flex gap-1.5">
              <button
                type="button"
                className={`${smallButton} border-ink-600 text-ink-100 hover:border-accent hover:bg-ink-800`}
                onClick={() => {
                  setName(summary.name);
                  setFailure(null);
                  setMode("rename");
                }}
                data-testid="watchlist-rename"
              >
                Rename
              </button>
              <button
                type="button"
                className={`${smallButton} border-loss/50 text-loss hover:bg-loss/10`}
                onClick={() => {
                  setFailure(null);
                  setMode("confirm");
                }}
                data-testid="watchlist-delete"
              >
                Delete list
              </button>
            </span>
          )}
        </div>
      )}
      {failure ? (
        <p className="text-xs text-loss" role="alert" data-testid="watchlist-list-error">
          {failure}
        </p>
      ) : null}
    </div>
  );
}

function ListPanel({
  summary,
  stocks,
  onDeleted,
}: {
  summary: WatchlistSummary;
  stocks: Stock[] | undefined;
  onDeleted: () => void;
}) {
  const { data, error, mutate } = useWatchlist(summary.id);
  const { remove } = useWatchlistActions();
  const bySymbol = new Map((stocks ?? []).map((s) => [s.symbol, s]));
  const assets = data?.assets ?? [];
  const have = new Set(assets.map((a) => a.symbol));

  return (
    <section
      className="min-w-0 rounded-xl border border-ink-700 bg-ink-900"
      aria-label={summary.name}
      data-testid="watchlist-list"
      data-list-id={summary.id}
    >
      <ListHeader summary={summary} count={data ? assets.length : null} onDeleted={onDeleted} />
      <div className="border-b border-ink-700 px-4 py-3">
        <AddForm listId={summary.id} have={have} stocks={stocks} />
      </div>
      {error && !data ? (
        <div className="p-4">
          <ErrorNotice title="Could not load this list" error={error} onRetry={() => void mutate()} />
        </div>
      ) : !data ? (
        <p className="p-4 text-sm text-ink-400" role="status">
          Loading…
        </p>
      ) : assets.length === 0 ? (
        <p className="p-6 text-sm text-ink-300" data-testid="watchlist-empty">
          Nothing in this list yet. Add an instrument above, or with the Watchlist button on a{" "}
          <Link href="/" className="text-accent hover:underline">
            stock&apos;s page
          </Link>
          .
        </p>
      ) : (
        <div className="overflow-x-auto">
          <table className="w-full text-sm" data-testid="watchlist-table">
            <thead className="border-b border-ink-700 text-xs text-ink-400">
              <tr>
                <th scope="col" className="px-4 py-2.5 text-left font-normal">
                  Instrument
                </th>
                <th scope="col" className="px-3 py-2.5 text-right font-normal">
                  Price
                </th>
                <th scope="col" className="px-3 py-2.5 text-right font-normal">
                  Since previous close
                </th>
                <th scope="col" className="px-4 py-2.5 text-right font-normal">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody className="divide-y divide-ink-800">
              {assets.map((asset) => (
                <Row
                  key={asset.symbol}
                  asset={asset}
                  stock={bySymbol.get(asset.symbol)}
                  onRemove={async () => {
                    await remove(summary.id, asset.symbol);
                  }}
                />
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

export function WatchlistView() {
  const router = useRouter();
  const wanted = useSearchParams().get("list");
  const lists = useWatchlists();
  const market = useSWR<StockList>(paths.stocks());
  const stocks = market.data?.stocks;
  const all = lists.data ?? [];
  const chosen = all.find((w) => w.id === wanted) ?? all[0];
  const choose = (id: string) => router.replace(listHref(id));

  return (
    <div className="flex flex-col gap-5" data-testid="watchlist-page">
      <div className="flex flex-wrap items-end justify-between gap-3">
        <div>
          <h1 className="text-2xl font-semibold tracking-tight">Watchlist</h1>
          <p className="text-sm text-ink-400">The instruments you follow, priced live. Up to 50 lists of 200.</p>
        </div>
        <Link href="/trade/" className="text-sm text-accent hover:underline">
          Trade
        </Link>
      </div>

      {lists.error && !lists.data ? (
        <ErrorNotice title="Could not load your watchlists" error={lists.error} onRetry={() => void lists.mutate()} />
      ) : !lists.data ? (
        <p className="text-sm text-ink-400" role="status">
          Loading…
        </p>
      ) : (
        <>
          <div className="flex flex-wrap items-end justify-between gap-4">
            {all.length > 0 ? (
              <div
                role="tablist"
                aria-label="Your watchlists"
                className="flex max-w-full flex-wrap gap-0.5 rounded-md border border-ink-700 bg-ink-900 p-0.5"
              >
                {all.map((w) => (
                  <button
                    key={w.id}
                    type="button"
                    role="tab"
                    aria-selected={w.id === chosen?.id}
                    onClick={() => choose(w.id)}
                    data-testid="watchlist-tab"
                    data-name={w.name}
                    className={`max-w-[14rem] truncate rounded px-3 py-1.5 text-sm font-medium transition-colors ${
                      w.id === chosen?.id ? "bg-ink-700 text-ink-100" : "text-ink-400 hover:text-ink-100"
                    }`}
                  >
                    {w.name}
                  </button>
                ))}
              </div>
            ) : (
              <p className="max-w-md text-sm text-ink-300" data-testid="watchlist-none">
                You have no watchlists yet. Create one to follow instruments side by side, priced live.
              </p>
            )}
            <CreateForm suggested={all.length === 0 ? PRIMARY_WATCHLIST : ""} onCreated={choose} />
          </div>
          {market.error && !market.data ? (
            <ErrorNotice title="Could not load the market's prices" error={market.error} onRetry={() => void market.mutate()} />
          ) : null}
          {chosen ? (
            <ListPanel
              key={chosen.id}
              summary={chosen}
              stocks={stocks}
              onDeleted={() => router.replace("/watchlist/")}
            />
          ) : null}
        </>
      )}
    </div>
  );
}
