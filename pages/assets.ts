/**
 * The pages' one stylesheet and one script, served from /assets/ with long-lived caching. Kept as strings so the
 * deployable bundle needs no files beside it. No inline styles or scripts anywhere: the CSP forbids them.
 * Colours are chosen for WCAG AA: every text colour is at least 4.5:1 on its background (test/unit/pages.test.ts
 * checks the pairs), and the focus ring is at least 3:1 against white and the page background.
 */
export const stylesheet = `
:root { color-scheme: light; --ink: #1b1b1b; --muted: #545454; --accent: #0b5cad; --accent-dark: #08467f; --ok: #1e6b34; --bad: #a4262c; --line: #c4c4c4; --page: #f3f4f6; --soft: #eef3f9; --focus: #1b1b1b; }
*, *::before, *::after { box-sizing: border-box; }
[hidden] { display: none !important; }
html { -webkit-text-size-adjust: 100%; text-size-adjust: 100%; }
body { margin: 0; font: 1rem/1.5 system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; color: var(--ink); background: var(--page); overflow-wrap: anywhere; }
header, main, footer { max-width: 42rem; margin: 0 auto; padding: 1rem; }
header { display: flex; flex-wrap: wrap; gap: 0.25rem 1rem; justify-content: space-between; align-items: center; }
.site-name { font-weight: 600; }
.language { display: inline-block; padding: 0.25rem 0.5rem; min-height: 2rem; }
main { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 1.25rem; }
footer { color: var(--muted); font-size: 0.9rem; }
h1 { font-size: 1.6rem; line-height: 1.25; margin: 0 0 1rem; }
h2 { font-size: 1.2rem; line-height: 1.3; margin: 0 0 0.5rem; }
p { margin: 0.5rem 0; }
a { color: var(--accent); }
a:hover { color: var(--accent-dark); }
:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; }
.visually-hidden { position: absolute; width: 1px; height: 1px; margin: -1px; padding: 0; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; border: 0; }
.step { border-top: 1px solid var(--line); padding-top: 1rem; margin-top: 1.25rem; }
.status { display: inline-flex; align-items: center; gap: 0.4em; font-size: 0.9rem; font-weight: 600; padding: 0.1rem 0.7rem; border: 1px solid var(--muted); border-radius: 999px; color: var(--muted); background: #fff; }
.status::before { content: ""; width: 0.7em; height: 0.7em; border: 2px solid currentColor; border-radius: 50%; }
.status.done { color: #fff; background: var(--ok); border-color: var(--ok); }
.status.done::before { width: 0.35em; height: 0.65em; border-width: 0 0.15em 0.15em 0; border-radius: 0; transform: translateY(-0.1em) rotate(45deg); }
.notice { padding: 0.75rem 1rem; border-left: 4px solid; border-radius: 4px; margin: 1rem 0; }
.notice.error { background: #fdecee; color: #8c1f24; border-color: var(--bad); }
.notice.info { background: var(--soft); border-color: var(--accent); }
.notice.warning { background: #fff4ce; border-color: #8a6100; }
button, .button { display: inline-block; max-width: 100%; min-height: 2.75rem; font: inherit; font-weight: 600; line-height: 1.3; padding: 0.6rem 1.1rem; border: 2px solid var(--accent); border-radius: 6px; background: var(--accent); color: #fff; text-align: center; text-decoration: none; cursor: pointer; margin: 0.25rem 0.5rem 0.25rem 0; }
button:hover, .button:hover { background: var(--accent-dark); border-color: var(--accent-dark); color: #fff; }
button.secondary, .button.secondary { background: #fff; color: var(--accent); }
button.secondary:hover, .button.secondary:hover { background: var(--soft); color: var(--accent-dark); }
label { display: block; font-weight: 600; margin: 0.75rem 0 0.25rem; }
input[type=text], input[type=email], input[type=tel], select { font: inherit; max-width: 100%; padding: 0.5rem; border: 2px solid #6b6b6b; border-radius: 6px; background: #fff; color: var(--ink); }
input.code { display: block; width: 8.5em; font-size: 1.4rem; letter-spacing: 0.25em; font-variant-numeric: tabular-nums; margin-bottom: 0.25rem; }
input[aria-invalid=true] { border-color: var(--bad); }
code { font-family: ui-monospace, "Cascadia Mono", "SF Mono", Menlo, Consolas, monospace; font-size: 0.95em; background: var(--soft); padding: 0 0.25em; border-radius: 4px; }
.credentials { margin: 1rem 0; }
.credentials dt { font-weight: 600; }
.credentials dd { margin: 0.15rem 0 0.75rem; }
.password { display: inline-flex; flex-wrap: wrap; gap: 0 0.6em; font-size: 1.6rem; font-weight: 600; line-height: 1.4; padding: 0.5rem 0.9rem; border: 1px solid var(--line); -webkit-user-select: all; user-select: all; }
.copy { display: flex; flex-wrap: wrap; align-items: center; gap: 0 0.75rem; }
#copy-status { color: var(--ok); font-weight: 600; }
.guides { margin-top: 1.5rem; }
.guide { border: 1px solid var(--line); border-radius: 6px; margin: 0.5rem 0; }
.guide summary { cursor: pointer; padding: 0.75rem 1rem; font-weight: 600; min-height: 2.75rem; }
.guide[open] summary { border-bottom: 1px solid var(--line); }
.guide ol { margin: 0.75rem 0; padding: 0 1rem 0 2.5rem; }
.guide li + li { margin-top: 0.6rem; }
.badge { display: inline-block; font-size: 0.85rem; font-weight: 600; color: var(--ok); background: #e7f3ea; border-radius: 999px; padding: 0 0.6rem; }
.fields { margin: 0.35rem 0 0; }
.fields div { display: flex; flex-wrap: wrap; column-gap: 0.4rem; }
.fields dt::after { content: ":"; }
.fields dd { margin: 0; }
.muted { color: var(--muted); }
@media (max-width: 30rem) {
  header, footer { padding: 0.75rem; }
  main { padding: 1rem 0.75rem; border-radius: 0; border-left: 0; border-right: 0; }
  h1 { font-size: 1.4rem; }
  .password { font-size: 1.35rem; }
  .guide ol { padding: 0 0.75rem 0 2rem; }
}
`;

/** Progressive enhancement only: without it the password can still be selected (one tap selects all of it). */
export const script = `
for (const button of document.querySelectorAll('[data-copy]')) button.hidden = false;
document.addEventListener('click', async (event) => {
  const button = event.target instanceof Element ? event.target.closest('[data-copy]') : null;
  if (!button) return;
  const source = document.getElementById(button.getAttribute('data-copy'));
  const status = document.getElementById('copy-status');
  if (!source) return;
  try {
    await navigator.clipboard.writeText(source.textContent || '');
    if (status) status.textContent = button.getAttribute('data-copied') || 'Copied';
  } catch {
    // No clipboard permission (older browsers, some embedded views): select the text so the user can copy it.
    const range = document.createRange();
    range.selectNodeContents(source);
    const selection = window.getSelection();
    selection?.removeAllRanges();
    selection?.addRange(range);
  }
});
`;
