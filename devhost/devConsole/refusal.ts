/**
 * Thrown anywhere in the dev console to answer a request with `status` and a message for the developer, instead of
 * serving it; the router words it as JSON under /_dev/api (and for the callback inbox) and as a page elsewhere.
 */
export class Refusal extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}
