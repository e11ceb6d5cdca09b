// The frame of every page: the header, the sidebar, and the page itself, with the "since you
// were away" card above it after an absence (components/SinceLastVisit.tsx).
import type { ReactNode } from "react";
import { Header } from "./Header";
import { SinceLastVisit } from "./SinceLastVisit";
import { Sidebar } from "./Sidebar";

export function AppShell({ children }: { children: ReactNode }) {
  return (
    <div className="flex min-h-screen flex-col">
      <Header />
      <div className="mx-auto flex w-full max-w-[1440px] flex-1 flex-col md:flex-row">
        <Sidebar />
        <main className="min-w-0 flex-1 px-4 py-5 md:px-6">
          <SinceLastVisit />
          {children}
        </main>
      </div>
    </div>
  );
}
