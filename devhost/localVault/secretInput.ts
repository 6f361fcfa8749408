import { isRecord } from '../localHttp.js';
import { badParameter } from './vaultError.js';

/*
 * What the local vault reads from a request: the path's segments, a secret's name and the JSON body's fields, each
 * checked against Key Vault's documented limits so that local runs refuse what Azure would refuse.
 */

const namePattern = /^[0-9a-zA-Z-]{1,127}$/;
export const maxValueBytes = 25 * 1024;
const maxContentTypeLength = 255;
const maxTags = 15;
const maxTagPartLength = 512;

/** A secret's attributes as a request sets them: each undefined when absent, null when the client clears it. */
export interface AttributesInput {
  enabled?: boolean;
  nbf?: number | null;
  exp?: number | null;
}

export function segmentsOf(path: string): string[] {
  try {
    return path.slice(1).split('/').map(decodeURIComponent);
  } catch {
    throw badParameter('The request path is not valid percent-encoding.');
  }
}

export function validName(name: string): string {
  if (!namePattern.test(name)) {
    throw badParameter(
      `The secret name '${name.slice(0, 200)}' is invalid: use 1-127 characters of 0-9, a-z, A-Z and -.`,
    );
  }
  return name;
}

export function parseJson(text: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw badParameter('The request body is not valid JSON.');
  }
  if (!isRecord(parsed)) throw badParameter('The request body must be a JSON object.');
  return parsed;
}

export function readAttributes(input: unknown): AttributesInput {
  if (input === undefined || input === null) return {};
  if (!isRecord(input)) throw badParameter('attributes must be an object.');
  const result: AttributesInput = {};
  const enabled = input['enabled'];
  if (enabled !== undefined && enabled !== null) {
    if (typeof enabled !== 'boolean') throw badParameter('attributes.enabled must be a boolean.');
    result.enabled = enabled;
  }
  for (const key of ['nbf', 'exp'] as const) {
    const stamp = input[key];
    if (stamp === undefined) continue;
    if (stamp !== null && !Number.isInteger(stamp)) throw badParameter(`attributes.${key} must be Unix seconds.`);
    result[key] = stamp as number | null;
  }
  return result;
}

export function readContentType(input: unknown): string | null | undefined {
  if (input === undefined || input === null) return input;
  if (typeof input !== 'string' || input.length > maxContentTypeLength) {
    throw badParameter(`contentType must be a string of at most ${maxContentTypeLength} characters.`);
  }
  return input;
}

export function readTags(input: unknown): Record<string, string> | null | undefined {
  if (input === undefined || input === null) return input;
  if (!isRecord(input)) throw badParameter('tags must be an object of strings.');
  const entries = Object.entries(input);
  if (entries.length > maxTags) throw badParameter(`At most ${maxTags} tags are allowed.`);
  const tags: Record<string, string> = {};
  for (const [key, value] of entries) {
    if (typeof value !== 'string' || key.length > maxTagPartLength || value.length > maxTagPartLength) {
      throw badParameter(`Tag names and values must be strings of at most ${maxTagPartLength} characters.`);
    }
    tags[key] = value;
  }
  return tags;
}
