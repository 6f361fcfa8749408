/** Employee links are always built from the configured public base URL, never from a request's Host header. */
export function enrollmentLink(publicBaseUrl: string, token: string): string {
  return `${publicBaseUrl}/e/${token}`;
}

export function revealLink(publicBaseUrl: string, token: string): string {
  return `${publicBaseUrl}/r/${token}`;
}
