"use client";
// The API reference, open to all: docs/openapi.json as a readable, filterable page
// (components/ApiReference.tsx). Linked from Settings → API keys and the README.

import { ApiReference } from "@/components/ApiReference";
import { usePageTitle } from "@/lib/title";

export default function ApiReferencePage() {
  usePageTitle("API reference");
  return <ApiReference />;
}
