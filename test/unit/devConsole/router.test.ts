import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { closeServer, listen } from '../../../devhost/localHttp.js';
import { Refusal } from '../../../devhost/devConsole/refusal.js';
import { devConsoleRouter, type Exchange } from '../../../devhost/devConsole/router.js';

/** What the handlers saw, as `method path params`. */
const served: string[] = [];
const record =
  (name: string) =>
  ({ request, response, params }: Exchange): Promise<void> => {
    served.push(`${name} ${request.method ?? ''} ${params.join(',')}`);
    response.writeHead(200, { 'content-type': 'text/plain' });
    response.end(name);
    return Promise.resolve();
  };

const console_ = devConsoleRouter([
  { pattern: /^\/_dev\/?$/, handlers: { GET: record('home') } },
  { pattern: /^\/_dev\/things\/([^/]+)\/([^/]+)$/, handlers: { GET: record('thing'), PUT: record('put thing') } },
  { pattern: /^\/_dev\/api\/things$/, handlers: { POST: record('post things') } },
  {
    pattern: /^\/_dev\/api\/refuse$/,
    handlers: { GET: () => Promise.reject(new Refusal(418, 'Not a teapot <here>.')) },
  },
  { pattern: /^\/_dev\/broken$/, handlers: { GET: () => Promise.reject(new Error('a bug')) } },
]);

let server: Server;
let port: number;
/** Whether the router took the request, or the error it rejected with. */
const outcomes: (boolean | string)[] = [];

beforeAll(async () => {
  server = createServer((request, response) => {
    console_(request, new URL(request.url ?? '/', 'http://localhost'), response).then(
      (handled) => {
        outcomes.push(handled);
        if (!handled) {
          response.writeHead(204);
          response.end();
        }
      },
      (error: unknown) => {
        outcomes.push(error instanceof Error ? error.message : String(error));
        response.writeHead(500);
        response.end();
      },
    );
  });
  port = await listen(server, 0, '127.0.0.1');
});
afterAll(() => closeServer(server));
beforeEach(() => {
  served.length = 0;
  outcomes.length = 0;
});

function send(
  method: string,
  path: string,
  headers: IncomingHttpHeaders = {},
  body?: string,
): Promise<{ status: number; headers: IncomingHttpHeaders; text: string }> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      { host: '127.0.0.1', port, method, path, headers: { host: `localhost:${port}`, ...headers } },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('end', () => {
          resolve({ status: response.statusCode ?? 0, headers: response.headers, text });
        });
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}

const jsonPost = { 'content-type': 'application/json' };

describe('devConsoleRouter', () => {
  it('takes only /_dev and what is under /_dev/', async () => {
    for (const path of ['/', '/_devices', '/api/_dev', '/_dev.json']) {
      expect((await send('GET', path)).status, path).toBe(204);
    }
    expect(outcomes).toEqual([false, false, false, false]);
    expect((await send('GET', '/_dev')).text).toBe('home');
    expect((await send('GET', '/_dev/')).text).toBe('home');
  });

  it('hands the handler the pattern’s captures, still percent-encoded', async () => {
    expect((await send('GET', '/_dev/things/a%2Fb/c')).text).toBe('thing');
    expect(served).toEqual(['thing GET a%2Fb,c']);
  });

  it('refuses a foreign Host before looking at the path or the method', async () => {
    for (const [method, path] of [
      ['GET', '/_dev'],
      ['POST', '/_dev/api/things'],
      ['DELETE', '/_dev/nowhere'],
    ] as const) {
      const reply = await send(method, path, { host: `rebound.example:${port}`, ...jsonPost }, '{}');
      expect(reply.status, `${method} ${path}`).toBe(403);
    }
    expect(served).toEqual([]);
  });

  it('answers 404 as JSON under /_dev/api and at the callback inbox, as a page elsewhere', async () => {
    const api = await send('GET', '/_dev/api/nowhere');
    expect(api.status).toBe(404);
    expect(api.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(JSON.parse(api.text)).toEqual({ error: 'Nothing at /_dev/api/nowhere.' });
    const inbox = await send('POST', '/_dev/callbacks', jsonPost, '{}');
    expect(inbox.headers['content-type']).toBe('application/json; charset=utf-8');
    const page = await send('GET', '/_dev/nowhere');
    expect(page.status).toBe(404);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.text).toContain('<h1>Not found</h1>');
    expect(page.text).toContain('Nothing at /_dev/nowhere.');
  });

  it('answers 405 with the methods the path has, HEAD wherever GET is', async () => {
    const put = await send('DELETE', '/_dev/things/a/b');
    expect(put.status).toBe(405);
    expect(put.headers.allow).toBe('GET, PUT, HEAD');
    const post = await send('GET', '/_dev/api/things');
    expect(post.status).toBe(405);
    expect(post.headers.allow).toBe('POST');
    expect(served).toEqual([]);
  });

  it('serves HEAD with the GET handler and no body', async () => {
    const head = await send('HEAD', '/_dev');
    expect(head.status).toBe(200);
    expect(head.text).toBe('');
    expect(served).toEqual(['home HEAD ']);
  });

  it('puts every state-changing request through the cross-site guard, and no GET', async () => {
    const crossSite = { ...jsonPost, 'sec-fetch-site': 'cross-site' };
    expect((await send('POST', '/_dev/api/things', crossSite, '{}')).status).toBe(403);
    expect((await send('PUT', '/_dev/things/a/b', { 'content-type': 'text/plain' }, 'x')).status).toBe(403);
    expect(served).toEqual([]);
    expect((await send('GET', '/_dev', { 'sec-fetch-site': 'cross-site' })).status).toBe(200);
    expect((await send('POST', '/_dev/api/things', jsonPost, '{}')).status).toBe(200);
    expect(served).toEqual(['home GET ', 'post things POST ']);
  });

  it('answers a Refusal thrown by a handler with its status and escaped message', async () => {
    const reply = await send('GET', '/_dev/api/refuse');
    expect(reply.status).toBe(418);
    expect(JSON.parse(reply.text)).toEqual({ error: 'Not a teapot <here>.' });
  });

  it('leaves any other error to the caller', async () => {
    expect((await send('GET', '/_dev/broken')).status).toBe(500);
    expect(outcomes).toEqual(['a bug']);
  });
});
