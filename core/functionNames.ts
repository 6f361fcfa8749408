/**
 * The function relying services call. Ops give it a function key of its own (docs/operations.md) and give HR keys
 * only on the HR functions, so a relay's key opens nothing else and HR's keys do not open it; the local runtime is
 * set up the same way.
 */
export const verifyFunctionName = 'verifyAppPassword';
