import type { DevConsoleDependencies } from './dependencies.js';

/**
 * The `startEnrollment` dependency: posts the body to the HR API endpoint (`http://localhost:7071/api/enrollments`)
 * with the function key, as the HR system would, and answers with the status and the parsed JSON body (the raw text
 * when it is not JSON, null when empty).
 */
export function hrApiStarter(options: {
  readonly url: string;
  readonly functionKey: string;
  readonly timeoutMs?: number;
}): DevConsoleDependencies['startEnrollment'] {
  return async (body) => {
    const response = await fetch(options.url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'x-functions-key': options.functionKey },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(options.timeoutMs ?? 30_000),
    });
    const text = await response.text();
    let parsed: unknown = text === '' ? null : text;
    try {
      if (text !== '') parsed = JSON.parse(text);
    } catch {
      // Not JSON (a plain-text 401 or 500 from the host): the text itself is the most useful body to show.
    }
    return { status: response.status, body: parsed };
  };
}
