import { describe, expect, it } from 'vitest';
import { htmlDocument, type DocumentParts } from '../../pages/document.js';
import { html } from '../../pages/html.js';

const parts: DocumentParts = {
  lang: 'en',
  title: 'Tab <title>',
  heading: 'Heading & more',
  header: html`<span>Site</span>`,
  body: html`<p>Body</p>`,
  withScript: false,
};

const count = (text: string, pattern: RegExp) => [...text.matchAll(pattern)].length;

describe('htmlDocument', () => {
  it('writes one document with one h1, the escaped title and the body inside main', () => {
    const doc = htmlDocument(parts).value;
    expect(doc).toMatch(/^<!doctype html>\s*<html lang="en">/);
    expect(doc).toContain('<title>Tab &lt;title&gt;</title>');
    expect(count(doc, /<h1[ >]/g)).toBe(1);
    expect(doc).toMatch(/<main>\s*<h1>Heading &amp; more<\/h1>\s*<p>Body<\/p>\s*<\/main>/);
    expect(doc).toContain('<header><span>Site</span></header>');
    expect(doc).toContain('<link rel="stylesheet" href="/assets/app.css" />');
  });

  it('loads the script and has a footer only when asked', () => {
    const bare = htmlDocument(parts).value;
    expect(bare).not.toMatch(/<script|<footer/);
    const full = htmlDocument({ ...parts, withScript: true, footer: html`<p>Foot</p>` }).value;
    expect(count(full, /<script/g)).toBe(1);
    expect(full).toContain('<script src="/assets/app.js" defer></script>');
    expect(full).toContain('<footer><p>Foot</p></footer>');
  });

  it('sends no referrer and has no inline style or script', () => {
    const doc = htmlDocument({ ...parts, withScript: true, footer: html`<p>Foot</p>` }).value;
    expect(doc).toContain('<meta name="referrer" content="no-referrer" />');
    expect(doc).not.toMatch(/<style|\sstyle=|\son[a-z]+=|<script>/i);
  });
});
