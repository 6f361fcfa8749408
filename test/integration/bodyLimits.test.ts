import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRuntime, testFunctionKey, type TestRuntime } from '../helpers/testRuntime.js';

let runtime: TestRuntime;

beforeAll(async () => {
  runtime = await startTestRuntime();
});

afterAll(async () => {
  await runtime.stop();
});

/**
 * Declares a body of `declaredBytes` but sends only the first 64 KiB, then waits for the answer: a server that wanted
 * to read the whole body would wait for the rest forever, so a prompt answer proves it refused without reading.
 */
function declareHugeBody(path: string, declaredBytes: number, key: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const url = new URL(path, runtime.url);
    const outgoing = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': declaredBytes, 'x-functions-key': key },
      },
      (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
        outgoing.destroy();
      },
    );
    outgoing.on('error', (error: NodeJS.ErrnoException) => {
      // The server may close the socket right after answering; only a failure before any answer is an error.
      if (error.code !== 'ECONNRESET' && error.code !== 'EPIPE') reject(error);
    });
    outgoing.write(Buffer.alloc(64 * 1024, 0x20));
  });
}

describe('request body limits', () => {
  it('refuses a 10 MB HR request from its declared length, without reading it, and writes nothing', async () => {
    const rowsBefore = await runtime.countTableRows();
    expect(await declareHugeBody('/api/enrollments', 10 * 1024 * 1024, testFunctionKey)).toBe(413);
    expect(await runtime.countTableRows()).toBe(rowsBefore);
    expect(await runtime.taskHub.list()).toHaveLength(0);
  });

  it('refuses a 20 KiB body in the handler (16 KiB limit) with a problem document', async () => {
    const response = await runtime.api('/api/enrollments', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: `{"employeeId":"${'x'.repeat(20 * 1024)}"}`,
    });
    expect(response.status).toBe(413);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
  });
});
