/**
 * The pages' one stylesheet and one script, served from /assets/ with long-lived caching. Kept as strings so the
 * deployable bundle needs no files beside it. No inline styles or scripts anywhere: the CSP forbids them.
 */
export const stylesheet = `
:root { color-scheme: light; --ink: #1b1b1b; --muted: #555; --accent: #0b5cad; --ok: #1e6b34; --bad: #a4262c; --line: #d0d0d0; }
* { box-sizing: border-box; }
body { margin: 0; font: 1rem/1.5 "Segoe UI", system-ui, -apple-system, Helvetica, Arial, sans-serif; color: var(--ink); background: #f6f6f6; }
header, main, footer { max-width: 40rem; margin: 0 auto; padding: 1rem; }
header { display: flex; justify-content: space-between; align-items: center; }
main { background: #fff; border: 1px solid var(--line); border-radius: 8px; }
h1 { font-size: 1.5rem; margin: 0.5rem 0 1rem; }
h2 { font-size: 1.15rem; margin: 1.5rem 0 0.5rem; }
.step { border-top: 1px solid var(--line); padding-top: 0.5rem; }
.status { font-weight: 600; }
.status.done { color: var(--ok); }
.notice { padding: 0.75rem; border-radius: 6px; margin: 1rem 0; }
.notice.error { background: #fde7e9; color: var(--bad); }
.notice.info { background: #e8f1fb; }
button, .button { display: inline-block; font: inherit; padding: 0.6rem 1.2rem; border-radius: 6px; border: 2px solid var(--accent); background: var(--accent); color: #fff; text-decoration: none; cursor: pointer; margin: 0.25rem 0.5rem 0.25rem 0; }
button.secondary, .button.secondary { background: #fff; color: var(--accent); }
button:focus-visible, a:focus-visible, input:focus-visible { outline: 3px solid #f2b600; outline-offset: 2px; }
label { display: block; font-weight: 600; margin-top: 0.5rem; }
input[type=text] { font: inherit; font-size: 1.25rem; letter-spacing: 0.2em; padding: 0.4rem; width: 9em; border: 2px solid var(--muted); border-radius: 6px; }
.password { font: 600 1.6rem/1.4 ui-monospace, "Cascadia Mono", Menlo, Consolas, monospace; background: #f1f4f8; padding: 0.75rem 1rem; border-radius: 6px; display: inline-block; }
.password span + span { margin-left: 0.6em; }
.muted { color: var(--muted); }
@media (max-width: 30rem) { header, main, footer { padding: 0.75rem; } .password { font-size: 1.3rem; } }
`;

export const script = `
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
