import type { IncomingMessage } from 'node:http';
import { readBody } from '../localHttp.js';
import { Refusal } from './refusal.js';

/*
 * What the console reads from a request: JSON and form bodies, bounded in size, and path segments. Each refuses what
 * it cannot use with the status a client can act on (413, 415, 400).
 */

/** Also the cap of one HR callback, which is well under a kilobyte. */
const maxJsonBytes = 64 * 1024;
const maxFormBytes = 16 * 1024;

/** The media type of the body, lower-cased and without parameters; '' when there is no Content-Type. */
export function mediaTypeOf(request: Pick<IncomingMessage, 'headers'>): string {
  return (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

export async function readJson(request: IncomingMessage): Promise<unknown> {
  return (await readJsonBytes(request)).value;
}

/** A JSON body parsed, with the bytes it was parsed from (what a webhook signature covers). */
export async function readJsonBytes(
  request: IncomingMessage,
): Promise<{ readonly bytes: Buffer; readonly value: unknown }> {
  if (mediaTypeOf(request) !== 'application/json') throw new Refusal(415, 'Expected Content-Type: application/json.');
  const bytes = await readBody(request, maxJsonBytes);
  if (bytes === undefined) throw new Refusal(413, `The body is larger than ${maxJsonBytes} bytes.`);
  try {
    return { bytes, value: JSON.parse(bytes.toString('utf8')) as unknown };
  } catch {
    throw new Refusal(400, 'The body is not valid JSON.');
  }
}

export async function readForm(request: IncomingMessage): Promise<URLSearchParams> {
  if (mediaTypeOf(request) !== 'application/x-www-form-urlencoded') {
    throw new Refusal(415, 'Expected a form post (application/x-www-form-urlencoded).');
  }
  const body = await readBody(request, maxFormBytes);
  if (body === undefined) throw new Refusal(413, `The form is larger than ${maxFormBytes} bytes.`);
  return new URLSearchParams(body.toString('utf8'));
}

export function decodeSegment(segment: string | undefined): string {
  try {
    return decodeURIComponent(segment ?? '');
  } catch {
    throw new Refusal(400, 'The path holds an invalid percent-encoding.');
  }
}

export function validUpn(value: string): string {
  const upn = value.trim();
  // eslint-disable-next-line no-control-regex -- refusing control characters is the point
  if (upn === '' || upn.length > 256 || /[\u0000-\u001f\u007f]/.test(upn)) {
    throw new Refusal(400, 'Expected a user principal name (1-256 printable characters).');
  }
  return upn;
}
