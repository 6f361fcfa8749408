import { isRecord } from '../localHttp.js';
import type { DevConsoleDependencies, StartEnrollmentResult } from './dependencies.js';

/** An enrollment started from the console, with what the HR API answered. */
export interface RecentStart {
  readonly at: string;
  readonly employeeId: string;
  readonly userPrincipalName: string;
  readonly inviteEmail: string;
  readonly status: number;
  readonly body: unknown;
}

/** How many enrollments started from the console, and UPNs touched by it, the page remembers. */
export const maxRecent = 25;

/**
 * What the console remembers, in memory: the enrollments started through it and the UPNs whose MFA it changed, so
 * the page can list them with their MFA state (the orchestration input holds no UPN to derive them from). Starting an
 * enrollment and setting MFA go through here so that both are remembered.
 */
export class ConsoleMemory {
  readonly #deps: Pick<DevConsoleDependencies, 'startEnrollment' | 'directory'>;
  readonly #starts: RecentStart[] = [];
  /** Normalised UPN → as last typed, most recent last. */
  readonly #upns = new Map<string, string>();

  constructor(deps: Pick<DevConsoleDependencies, 'startEnrollment' | 'directory'>) {
    this.#deps = deps;
  }

  /** Starts an enrollment through the HR API; an unreachable API is remembered as a 502, never thrown. */
  async start(body: unknown): Promise<StartEnrollmentResult> {
    let result: StartEnrollmentResult;
    try {
      result = await this.#deps.startEnrollment(body);
    } catch (error) {
      result = { status: 502, body: { error: `The HR API could not be reached: ${messageOf(error)}` } };
    }
    const field = (name: string) => (isRecord(body) && typeof body[name] === 'string' ? body[name] : '');
    this.#starts.push({
      at: new Date().toISOString(),
      employeeId: field('employeeId'),
      userPrincipalName: field('userPrincipalName'),
      inviteEmail: field('inviteEmail'),
      status: result.status,
      body: result.body,
    });
    if (this.#starts.length > maxRecent) this.#starts.shift();
    if (result.status < 300) this.#rememberUpn(field('userPrincipalName'));
    return result;
  }

  setMfa(upn: string, registered: boolean): void {
    this.#deps.directory.setMfaRegistered(upn, registered);
    this.#rememberUpn(upn);
  }

  /** The enrollments started here, oldest first. */
  starts(): readonly RecentStart[] {
    return [...this.#starts];
  }

  /** The users started or changed here with their MFA state, most recent first. */
  directory(): { readonly upn: string; readonly registered: boolean }[] {
    return [...this.#upns.values()]
      .reverse()
      .map((upn) => ({ upn, registered: this.#deps.directory.isMfaRegistered(upn) }));
  }

  #rememberUpn(upn: string): void {
    const key = upn.trim().toLowerCase();
    if (key === '') return;
    this.#upns.delete(key);
    this.#upns.set(key, upn.trim());
    while (this.#upns.size > maxRecent) this.#upns.delete(this.#upns.keys().next().value ?? '');
  }
}

function messageOf(error: unknown): string {
  if (error instanceof Error) {
    return error.cause instanceof Error ? `${error.message} (${error.cause.message})` : error.message;
  }
  return String(error);
}
