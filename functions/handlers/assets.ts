import type { HttpHandler } from './http.js';
import { script, stylesheet } from '../../pages/assets.js';

const files: Readonly<Record<string, { type: string; body: string }>> = {
  'app.css': { type: 'text/css; charset=utf-8', body: stylesheet },
  'app.js': { type: 'text/javascript; charset=utf-8', body: script },
};

/** The pages' stylesheet and script; public and immutable per deployment. */
export const serveAsset: HttpHandler = (request) => {
  const name = request.params['file'] ?? '';
  // Own properties only: `__proto__`, `constructor` and the like are names of the object, not of files.
  const file = Object.hasOwn(files, name) ? files[name] : undefined;
  if (file === undefined) return Promise.resolve({ status: 404 });
  return Promise.resolve({
    status: 200,
    headers: {
      'Content-Type': file.type,
      'Cache-Control': 'public, max-age=3600',
      'X-Content-Type-Options': 'nosniff',
    },
    ...(request.method === 'HEAD' ? {} : { body: file.body }),
  });
};
