// The password rule as the server enforces it (auth::password_policy): 8–128 characters, counted
// as code points, and not on its list of common passwords. Pages check the length before sending
// only to save a round trip; the common-password list lives on the server alone, so its verdict
// arrives as a password_policy error.

export const PASSWORD_HINT = "8–128 characters, and not a common password.";

const MIN_CHARS = 8;
const MAX_CHARS = 128;

export function passwordLengthError(password: string): string | undefined {
  // Array.from splits by code point, as the server counts; .length would count UTF-16 units.
  const length = Array.from(password).length;
  return length < MIN_CHARS || length > MAX_CHARS ? "Use 8–128 characters." : undefined;
}

// The server's password_policy message says what to change; the fallback is for an empty one.
export function passwordPolicyText(serverMessage: string): string {
  return serverMessage || `Choose a password of ${PASSWORD_HINT}`;
}
