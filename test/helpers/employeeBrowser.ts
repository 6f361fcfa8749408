/**
 * A minimal browser stand-in for HTTP-level journeys: keeps cookies, follows nothing on its own, and reads the CSRF
 * token and forms out of the rendered pages the way a person's browser would submit them.
 */
export class EmployeeAgent {
  private readonly cookies = new Map<string, string>();

  /** `send` is the fetch to use: `fetchFrom(address)` (test/helpers/clientAddress.ts) makes this client another one. */
  constructor(
    private readonly origin: string,
    private readonly send: typeof fetch = fetch,
  ) {}

  /** The same person (the same cookies, from now on shared) connecting from another client address. */
  via(send: typeof fetch): EmployeeAgent {
    const other = new EmployeeAgent(this.origin, send);
    for (const [name, value] of this.cookies) other.cookies.set(name, value);
    return other;
  }

  get hasSessionCookie(): boolean {
    return this.cookies.has('enrollment_session');
  }

  forgetCookies(): void {
    this.cookies.clear();
  }

  async get(path: string): Promise<{ status: number; html: string; headers: Headers }> {
    const response = await this.send(this.url(path), { headers: this.cookieHeader(), redirect: 'manual' });
    this.remember(response);
    return { status: response.status, html: await response.text(), headers: response.headers };
  }

  /** Posts a form the way the page's own form would: with the page's CSRF token. */
  async submit(
    path: string,
    fields: Record<string, string>,
    extraHeaders: Record<string, string> = {},
  ): Promise<{ status: number; html: string; location: string | null; headers: Headers }> {
    const response = await this.send(this.url(path), {
      method: 'POST',
      redirect: 'manual',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'sec-fetch-site': 'same-origin',
        ...this.cookieHeader(),
        ...extraHeaders,
      },
      body: new URLSearchParams(fields).toString(),
    });
    this.remember(response);
    return {
      status: response.status,
      html: await response.text(),
      location: response.headers.get('location'),
      headers: response.headers,
    };
  }

  private url(path: string): string {
    return path.startsWith('http') ? path : `${this.origin}${path}`;
  }

  private cookieHeader(): Record<string, string> {
    if (this.cookies.size === 0) return {};
    return { cookie: [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ') };
  }

  private remember(response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const separator = pair?.indexOf('=') ?? -1;
      if (pair !== undefined && separator > 0) this.cookies.set(pair.slice(0, separator), pair.slice(separator + 1));
    }
  }
}

export function csrfOf(html: string): string {
  const match = /name="csrf" value="([^"]+)"/.exec(html);
  if (match?.[1] === undefined) throw new Error('The page has no CSRF token');
  return match[1];
}

/** The text of the element with id="app-password": the password, without the visual grouping. */
export function revealedPassword(html: string): string | undefined {
  const match = /<code id="app-password"[^>]*>([\s\S]*?)<\/code>/.exec(html);
  return match?.[1]?.replace(/<[^>]+>/g, '');
}

export function codeFrom(text: string): string {
  const match = /(?<!\d)(\d{6})(?!\d)/.exec(text);
  if (match?.[1] === undefined) throw new Error('No 6-digit code in the message');
  return match[1];
}
