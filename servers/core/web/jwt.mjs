// Reads a JWT's header and payload. This does NOT verify it: only a holder of the signing key (the
// servers) can; the page decodes it to show you what any holder of the token can read.

function decodePart(part) {
  const base64 = part
    .replace(/-/g, '+')
    .replace(/_/g, '/')
    .padEnd(Math.ceil(part.length / 4) * 4, '=');
  const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  return JSON.parse(new TextDecoder().decode(bytes));
}

/** { header, payload, signature, parts } or null if it is not a compact JWS. */
export function decodeJwt(token) {
  const parts = typeof token === 'string' ? token.split('.') : [];
  if (parts.length !== 3) return null;
  try {
    return { header: decodePart(parts[0]), payload: decodePart(parts[1]), signature: parts[2], parts };
  } catch {
    return null;
  }
}
