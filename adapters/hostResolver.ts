import { lookup } from 'node:dns/promises';
import { TransientError } from '../core/errors.js';
import type { ResolveHost } from '../core/callbackUrl.js';

/** Answers that mean "this name has no address", as opposed to "the resolver could not tell right now". */
const noSuchName = new Set(['ENOTFOUND', 'ENODATA', 'EAI_NONAME', 'EAI_NODATA']);

/**
 * The operating system's resolver (`getaddrinfo`, as every outgoing connection of the app uses), asked for every
 * address of a name. A name without addresses resolves to none; a resolver that fails otherwise is a transient error.
 */
export const resolveHost: ResolveHost = async (hostname) => {
  try {
    return (await lookup(hostname, { all: true, order: 'verbatim' })).map((entry) => entry.address);
  } catch (error) {
    const code = error instanceof Error && 'code' in error ? String(error.code) : '';
    if (noSuchName.has(code)) return [];
    throw new TransientError(`Looking up the callback host failed (${/^[A-Z_]{1,30}$/.test(code) ? code : 'error'})`);
  }
};
