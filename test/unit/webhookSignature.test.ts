import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { timestampToleranceSeconds, WebhookSigningKey } from '../../core/webhookSignature.js';

const secret = `whsec_${Buffer.from('0123456789abcdef0123456789abcdef').toString('base64')}`;
const key = WebhookSigningKey.parse(secret);
if (key === undefined) throw new Error('the test secret must parse');

const id = 'evt_5a0c5f7e-3c1b-4a55-9d0e-6f1f2a7b9c10_3';
const body = JSON.stringify({ type: 'enrollment.stage-changed', data: { stage: 'ready', name: 'Åse Ørsted' } });
const now = () => Math.floor(Date.now() / 1000);

function headersFor(timestamp: number, signedBody = body): Record<string, string> {
  return {
    'webhook-id': id,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': key?.sign(id, timestamp, signedBody) ?? '',
  };
}

describe('WebhookSigningKey', () => {
  it('signs exactly as the reference implementation (standardwebhooks) does', () => {
    const timestamp = 1_700_000_000;
    const reference = new Webhook(secret).sign(id, new Date(timestamp * 1000), body);
    expect(key.sign(id, timestamp, body)).toBe(reference);
  });

  it('produces signatures the reference implementation verifies', () => {
    const timestamp = now();
    expect(new Webhook(secret).verify(body, headersFor(timestamp))).toEqual(JSON.parse(body));
  });

  it('fails verification when the body, the id or the timestamp is changed, or with another secret', () => {
    const timestamp = now();
    const webhook = new Webhook(secret);
    expect(() => webhook.verify(body.replace('ready', 'revealed'), headersFor(timestamp))).toThrow(
      'No matching signature found',
    );
    expect(() => webhook.verify(body, { ...headersFor(timestamp), 'webhook-id': `${id}0` })).toThrow(
      'No matching signature found',
    );
    expect(() =>
      webhook.verify(body, { ...headersFor(timestamp), 'webhook-timestamp': String(timestamp + 1) }),
    ).toThrow('No matching signature found');
    const other = `whsec_${Buffer.alloc(32, 1).toString('base64')}`;
    expect(() => new Webhook(other).verify(body, headersFor(timestamp))).toThrow('No matching signature found');
  });

  it('is refused by the reference implementation when the timestamp is outside its tolerance (a replay)', () => {
    const old = now() - 10 * 60;
    expect(() => new Webhook(secret).verify(body, headersFor(old))).toThrow('Message timestamp too old');
  });

  describe('verify', () => {
    const timestamp = 1_700_000_000;
    const signed = (overrides: Partial<{ id: string; timestamp: string; signature: string }> = {}) => ({
      id,
      timestamp: String(timestamp),
      signature: key.sign(id, timestamp, body),
      ...overrides,
    });

    it('accepts what sign and the reference implementation produce, as text or as the raw bytes', () => {
      expect(key.verify(signed(), body, timestamp)).toBe(true);
      expect(key.verify(signed(), Buffer.from(body), timestamp)).toBe(true);
      const reference = new Webhook(secret).sign(id, new Date(timestamp * 1000), body);
      expect(key.verify(signed({ signature: reference }), body, timestamp)).toBe(true);
    });

    it('accepts a matching v1 signature among several, as during a key rotation', () => {
      const other = `v1,${Buffer.alloc(32, 7).toString('base64')}`;
      expect(
        key.verify(signed({ signature: `v1a,xyz ${other} ${key.sign(id, timestamp, body)}` }), body, timestamp),
      ).toBe(true);
    });

    it('refuses a changed body, id or timestamp, another key, and malformed signatures', () => {
      expect(key.verify(signed(), body.replace('ready', 'revealed'), timestamp)).toBe(false);
      expect(key.verify(signed({ id: `${id}0` }), body, timestamp)).toBe(false);
      expect(key.verify(signed({ timestamp: String(timestamp + 1) }), body, timestamp)).toBe(false);
      const otherKey = WebhookSigningKey.parse(`whsec_${Buffer.alloc(32, 1).toString('base64')}`);
      expect(otherKey?.verify(signed(), body, timestamp)).toBe(false);
      const mac = key.sign(id, timestamp, body).slice(3);
      for (const signature of ['', mac, `v2,${mac}`, `v1,${mac.slice(0, -2)}`, `v1,${mac}x`, 'v1,', `v1, ${mac}`]) {
        expect(key.verify(signed({ signature }), body, timestamp), signature).toBe(false);
      }
    });

    it('refuses a timestamp more than five minutes off either way, or not a whole number of seconds', () => {
      expect(key.verify(signed(), body, timestamp + timestampToleranceSeconds)).toBe(true);
      expect(key.verify(signed(), body, timestamp - timestampToleranceSeconds)).toBe(true);
      expect(key.verify(signed(), body, timestamp + timestampToleranceSeconds + 1)).toBe(false);
      expect(key.verify(signed(), body, timestamp - timestampToleranceSeconds - 1)).toBe(false);
      for (const text of ['', ' 1700000000', '1700000000.0', '1.7e9', '-1700000000']) {
        expect(key.verify(signed({ timestamp: text }), body, timestamp), text).toBe(false);
      }
    });
  });

  it.each([
    ['missing prefix', secret.slice(6)],
    ['empty key', 'whsec_'],
    ['23-byte key', `whsec_${Buffer.alloc(23, 1).toString('base64')}`],
    ['65-byte key', `whsec_${Buffer.alloc(65, 1).toString('base64')}`],
    ['unpadded base64', `whsec_${Buffer.alloc(32, 1).toString('base64').replace(/=+$/, '')}`],
    ['base64url alphabet', `whsec_${Buffer.alloc(33, 0xfb).toString('base64url')}`],
    ['whitespace', ` ${secret}`],
  ])('refuses a secret with %s', (_, text) => {
    expect(WebhookSigningKey.parse(text)).toBeUndefined();
  });

  it('accepts keys of 24 and 64 bytes', () => {
    expect(WebhookSigningKey.parse(`whsec_${Buffer.alloc(24, 1).toString('base64')}`)).toBeDefined();
    expect(WebhookSigningKey.parse(`whsec_${Buffer.alloc(64, 1).toString('base64')}`)).toBeDefined();
  });

  it('shows nothing of the key when serialised or inspected', () => {
    expect(JSON.stringify({ key })).toBe('{"key":{}}');
    expect(String(Object.keys(key))).toBe('');
  });
});
