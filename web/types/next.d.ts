// Committed stand-in for the generated next-env.d.ts (ignored in git because `next dev` and
// `next build` write different versions of it), so `tsc --noEmit` works on a fresh checkout.
/// <reference types="next" />
/// <reference types="next/image-types/global" />
