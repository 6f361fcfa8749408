import { describe, expect, it } from 'vitest';
import { callbackUrlProblem } from '../../core/callbackUrl.js';

const azure = { localEmulators: false };
const local = { localEmulators: true };

describe('callbackUrlProblem', () => {
  it.each([
    'https://hr.contoso.com/hooks/enrollment',
    'https://hr.contoso.com:8443/cb?tenant=dk',
    'https://8.8.8.8/cb',
    'https://[2001:db8::1]/cb',
    'https://172.32.0.1/cb',
    'https://hr.internal.contoso.com/cb',
  ])('accepts %s in Azure', (url) => {
    expect(callbackUrlProblem(url, azure)).toBeUndefined();
  });

  it.each(['http://hr.contoso.com/cb', 'http://127.0.0.1:8080/cb', 'http://localhost:8080/cb'])(
    'refuses plain http in Azure: %s',
    (url) => {
      expect(callbackUrlProblem(url, azure)).toBe('expected an https URL');
    },
  );

  it.each([
    ['loopback', 'https://127.0.0.1/cb'],
    ['loopback, another address', 'https://127.8.9.10/cb'],
    ['loopback written in hex', 'https://0x7f.1/cb'],
    ['loopback as one number', 'https://2130706433/cb'],
    ['localhost', 'https://localhost/cb'],
    ['a .localhost name', 'https://hr.localhost/cb'],
    ['IPv6 loopback', 'https://[::1]/cb'],
    ['the cloud metadata endpoint', 'https://169.254.169.254/metadata/instance'],
    ['10/8', 'https://10.0.0.5/cb'],
    ['172.16/12', 'https://172.31.255.1/cb'],
    ['192.168/16', 'https://192.168.1.1/cb'],
    ['carrier-grade NAT', 'https://100.64.0.1/cb'],
    ['0.0.0.0', 'https://0.0.0.0/cb'],
    ['multicast', 'https://239.1.1.1/cb'],
    ['broadcast', 'https://255.255.255.255/cb'],
    ['IPv6 unspecified', 'https://[::]/cb'],
    ['IPv4-mapped IPv6 metadata endpoint', 'https://[::ffff:169.254.169.254]/cb'],
    ['IPv6 unique local', 'https://[fd12:3456::1]/cb'],
    ['IPv6 link-local', 'https://[fe80::1]/cb'],
    ['NAT64 of a private address', 'https://[64:ff9b::10.0.0.1]/cb'],
  ])('refuses %s in Azure', (_, url) => {
    expect(callbackUrlProblem(url, azure)).toBe(
      'expected a host HR can be reached at; loopback, private and link-local addresses are refused',
    );
  });

  it('accepts NAT64 of a public address in Azure', () => {
    expect(callbackUrlProblem('https://[64:ff9b::8.8.8.8]/cb', azure)).toBeUndefined();
  });

  it.each(['http://127.0.0.1:8080/cb', 'http://localhost:3000/cb', 'http://[::1]:9000/cb', 'https://10.0.0.5/cb'])(
    'accepts %s with local emulators',
    (url) => {
      expect(callbackUrlProblem(url, local)).toBeUndefined();
    },
  );

  it.each(['http://hr.contoso.com/cb', 'http://10.0.0.5/cb', 'http://localhost.evil.example/cb'])(
    'refuses plain http to a non-loopback host even with local emulators: %s',
    (url) => {
      expect(callbackUrlProblem(url, local)).toBe(
        'expected an https URL (plain http only to a loopback host such as 127.0.0.1)',
      );
    },
  );
});
