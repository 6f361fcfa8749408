import * as z from 'zod/mini';
import { problemDocumentSchema } from '../problem.js';
import type { ApiResponse } from './builder.js';

/** An error answer: an RFC 9457 problem document (core/problem.ts), as functions/handlers/http.ts sends it. */
export function problemResponse(description: string): ApiResponse {
  return { description, body: { schema: problemDocumentSchema, mediaType: 'application/problem+json' } };
}

/** The answers any operation behind a function key may give besides its own. */
export const keyedOperationErrors = {
  401: {
    description: 'No valid function key. The Functions host answers this itself, with an empty body.',
  },
  500: problemResponse('An unexpected error; it has been logged. Retrying may help.'),
  503: {
    ...problemResponse('A dependency (storage, the task hub) is temporarily unavailable.'),
    headers: {
      'Retry-After': {
        description: 'Seconds to wait before retrying.',
        schema: z.int().check(z.minimum(1)),
      },
    },
  },
} as const satisfies Record<number, ApiResponse>;
