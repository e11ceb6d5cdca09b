"use client";
// Admin: the players. Search by email, tag or display name; disable or enable an account
// (disabling ends its sessions and streams at once) and grant or take the admin role, each
// after a confirmation. The admin's own row has no buttons: locking yourself out is one
// click too easy.

import { useState } from "react";
import { ErrorNotice } from "../Notice";
import { Avatar } from "../Avatar";
import { apiSend, paths } from "@/lib/api";
import type { AccountStatus, AdminUser, AdminUserPage, User } from "@/lib/models";
import { Badge, ConfirmAction, LoadMore, SearchBox, Time, listErrorTitle, usePagedList } from "./shared";

const STATUS_TONE: Record<AccountStatus, "good" | "bad" | "neutral"> = {
  active: "good",
  disabled: "bad",
  pending: "neutral",
};

type Action = "disable" | "enable" | "make-admin" | "make-user";

export function AdminUsers({ me }: { me: User }) {
  const [q, setQ] = useState("");
  const list = usePagedList<AdminUserPage>((after) => paths.adminUsers(q, after));
  const users = list.pages.flatMap((page) => page.users);

  async function act(target: AdminUser, action: Action) {
    const answer =
      action === "disable" || action === "enable"
        ? await apiSend<{ user: Partial<AdminUser> }>("POST", paths.adminUserAction(target.id, action))
        : await apiSend<{ user: Partial<AdminUser> }>("POST", paths.adminUserAction(target.id, "role"), {
            role: action === "make-admin" ? "admin" : "user",
          });
    // The answer may be a plain user without status: assume the obvious one, then refetch to be sure.
    const status: AccountStatus | undefined =
      answer.user.status ?? (action === "disable" ? "disabled" : action === "enable" ? "active" : undefined);
    await list.mutate(
      (pages) =>
        pages?.map((page) => ({
          ...page,
          users: page.users.map((u) =>
            u.id === target.id ? { ...u, ...answer.user, status: status ?? u.status } : u,
          ),
        })),
      { revalidate: true },
    );
  }

  return (
    <div className="flex flex-col gap-4" data-testid="admin-users">
      <SearchBox value={q} onSearch={setQ} placeholder="Email, tag or display name" testId="admin-users-search" />
      {list.error && users.length === 0 ? (
        <ErrorNotice title={listErrorTitle(list.error, "users")} error={list.error} onRetry={() => void list.mutate()} />
      ) : list.isLoading ? (
        <div className="h-40 animate-pulse rounded-xl border border-ink-700 bg-ink-900" aria-busy="true" />
      ) : users.length === 0 ? (
        <p className="text-sm text-ink-400">{q ? `No user matches “${q}”.` : "No users yet."}</p>
      ) : (
        <div className="overflow-x-auto rounded-xl border border-ink-700 bg-ink-900">
          <table className="w-full min-w-[960px] text-left text-sm">
            <thead className="border-b border-ink-700 text-xs text-ink-400">
              <tr>
                <th className="px-3 py-2 font-medium">User tag</th>
                <th className="px-3 py-2 font-medium">Display name</th>
                <th className="px-3 py-2 font-medium">Email</th>
                <th className="px-3 py-2 font-medium">Role</th>
                <th className="px-3 py-2 font-medium">Status</th>
                <th className="px-3 py-2 font-medium">Created</th>
                <th className="px-3 py-2 font-medium">Last login</th>
                <th className="px-3 py-2 font-medium">Actions</th>
              </tr>
            </thead>
            <tbody className="divide-y divide-ink-700">
              {users.map((u) => {
                const self = u.id === me.id;
                const reason = "You cannot change your own account here";
                return (
                  <tr key={u.id} className="align-top" data-testid={`admin-user-${u.user_tag}`}>
                    <td className="px-3 py-2">
                      <span className="flex items-center gap-2">
                        <Avatar tag={u.user_tag} name={u.display_name} size={22} />
                        <span className="font-mono">@{u.user_tag}</span>
                        {self ? <Badge tone="accent">you</Badge> : null}
                      </span>
                    </td>
                    <td className="max-w-[12rem] truncate px-3 py-2" title={u.display_name}>
                      {u.display_name}
                    </td>
                    <td className="max-w-[16rem] truncate px-3 py-2 text-ink-300" title={u.email}>
                      {u.email ?? "—"}
                    </td>
                    <td className="px-3 py-2">{u.role === "admin" ? <Badge tone="accent">admin</Badge> : "user"}</td>
                    <td className="px-3 py-2">
                      <Badge tone={STATUS_TONE[u.status] ?? "neutral"}>{u.status}</Badge>
                    </td>
                    <td className="px-3 py-2 text-xs text-ink-300">
                      <Time value={u.created_at} />
                    </td>
                    <td className="px-3 py-2 text-xs text-ink-300">
                      <Time value={u.last_login_at} />
                    </td>
                    <td className="px-3 py-2">
                      <div className="flex flex-wrap gap-2">
                        {u.status === "disabled" ? (
                          <ConfirmAction
                            label="Enable"
                            question={`Enable @${u.user_tag}?`}
                            disabled={self}
                            disabledReason={reason}
                            onConfirm={() => act(u, "enable")}
                            testId={`enable-${u.user_tag}`}
                          />
                        ) : (
                          <ConfirmAction
                            label="Disable"
                            question={`Disable @${u.user_tag}? Their sessions end now.`}
                            tone="danger"
                            disabled={self}
                            disabledReason={reason}
                            onConfirm={() => act(u, "disable")}
                            testId={`disable-${u.user_tag}`}
                          />
                        )}
                        {u.role === "admin" ? (
                          <ConfirmAction
                            label="Make user"
                            question={`Take admin from @${u.user_tag}?`}
                            tone="danger"
                            disabled={self}
                            disabledReason={reason}
                            onConfirm={() => act(u, "make-user")}
                            testId={`make-user-${u.user_tag}`}
                          />
                        ) : (
                          <ConfirmAction
                            label="Make admin"
                            question={`Make @${u.user_tag} an admin?`}
                            disabled={self}
                            disabledReason={reason}
                            onConfirm={() => act(u, "make-admin")}
                            testId={`make-admin-${u.user_tag}`}
                          />
                        )}
                      </div>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      {users.length > 0 ? (
        <LoadMore hasMore={list.hasMore} loading={list.loadingMore} onClick={list.loadMore} count={users.length} noun="user" />
      ) : null}
    </div>
  );
}
