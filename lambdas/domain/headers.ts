/** Request headers as API Gateway (payload 2.0) and node:http hand them over. */
export type Headers = Readonly<Record<string, string | undefined>>;

/**
 * Case-insensitive header lookup. API Gateway HTTP APIs already lowercase names, so the direct hit is
 * the hot path; the scan serves captured requests and other front doors that keep the sender's casing.
 */
export function getHeader(headers: Headers, lowerName: string): string | undefined {
  const direct = headers[lowerName];
  if (direct !== undefined) return direct;
  for (const name in headers) {
    if (name.toLowerCase() === lowerName) return headers[name];
  }
  return undefined;
}
