import { existsSync } from 'node:fs';
import { readFile, mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';

export const chromiumPath = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';

/**
 * Whether the browser suite can run here. Locally a missing Chromium skips it with a reason; in CI (CI=true) it must
 * be there, so a missing install fails the run instead of passing it silently.
 */
export function chromiumAvailable(): boolean {
  const available = existsSync(chromiumPath);
  if (!available && process.env['CI'] === 'true') {
    throw new Error(`Chromium is required in CI but missing at ${chromiumPath} (apt-get install -y chromium)`);
  }
  return available;
}

/** Debian's Chromium, headless, with the flags this machine needs (no background network, no sandbox as root). */
export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

let axeSource: string | undefined;

export interface AxeViolation {
  readonly id: string;
  readonly impact: string | null;
  readonly help: string;
  readonly nodes: readonly { readonly target: readonly string[] }[];
}

/**
 * Runs axe-core (WCAG 2.0/2.1/2.2 A and AA rules) on the page. The script is evaluated through the DevTools protocol,
 * which the page's CSP does not govern, so the pages keep their strict CSP while being checked.
 */
export async function axeViolations(page: Page): Promise<AxeViolation[]> {
  axeSource ??= await readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
  await page.evaluate(axeSource);
  const options = {
    runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'] },
  };
  // A string, not a function: the test project has no DOM typings, and this runs in the page.
  const violations: unknown = await page.evaluate(
    `axe.run(document, ${JSON.stringify(options)}).then((result) => result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => ({ target: n.target })) })))`,
  );
  return violations as AxeViolation[];
}

export const screenshotDir = fileURLToPath(new URL('../../test-results/screenshots/', import.meta.url));

export async function screenshot(page: Page, name: string): Promise<void> {
  await mkdir(screenshotDir, { recursive: true });
  await page.screenshot({ path: `${screenshotDir}${name}.png`, fullPage: true });
}

/** Runs an action that navigates (a click, a form submit) and waits for the next document's load event. */
export async function navigating(page: Page, action: () => Promise<unknown>): Promise<void> {
  const loaded = page.waitForEvent('load');
  await action();
  await loaded;
}
