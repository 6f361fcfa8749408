import azureFunctions from '@azure/functions';

/**
 * The classes of `@azure/functions`. The package is a webpack bundle whose class exports Node's CommonJS lexer cannot
 * see, so a named ESM import of them fails at run time (vitest hides this); the default import always works.
 */
export const { HttpRequest, HttpResponse, InvocationContext } = azureFunctions;
