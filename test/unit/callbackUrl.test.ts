import { describe, expect, it } from 'vitest';
import { callbackAddressProblem, callbackUrlProblem, isCallableAddress } from '../../core/callbackUrl.js';

const azure = { localEmulators: false };
const local = { localEmulators: true };
const unreachable =
  'expected a host HR can be reached at; loopback, private, link-local and platform addresses are refused';

describe('callbackUrlProblem', () => {
  it.each([
    'https://hr.contoso.com/hooks/enrollment',
    'https://hr.contoso.com:8443/cb?tenant=dk',
    'https://8.8.8.8/cb',
    'https://[2606:4700:4700::1111]/cb',
    'https://hr.contoso.com./cb',
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
    ['local-use NAT64', 'https://[64:ff9b:1::8.8.8.8]/cb'],
    ['IPv4-translated loopback', 'https://[::ffff:0:127.0.0.1]/cb'],
    ['6to4 of a private address', 'https://[2002:c0a8:0101::1]/cb'],
    ['IPv6 site-local', 'https://[fec0::1]/cb'],
    ['Teredo', 'https://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/cb'],
    ['IPv6 documentation space', 'https://[2001:db8::1]/cb'],
    ['IPv4 documentation space', 'https://203.0.113.7/cb'],
    ["Azure's wire server", 'https://168.63.129.16/cb'],
    ["Azure's wire server, IPv4-mapped", 'https://[::ffff:168.63.129.16]/cb'],
    ['localhost with a trailing dot', 'https://localhost./cb'],
    ['loopback with a trailing dot', 'https://127.0.0.1./cb'],
  ])('refuses %s in Azure', (_, url) => {
    expect(callbackUrlProblem(url, azure)).toBe(unreachable);
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

describe('callbackAddressProblem: every address a name resolves to', () => {
  /** A resolver that answers from a table and never reaches the network. */
  const resolver =
    (table: Record<string, readonly string[]>) =>
    (hostname: string): Promise<readonly string[]> =>
      Promise.resolve(table[hostname] ?? []);

  it('accepts a name whose every address is public', async () => {
    const resolve = resolver({ 'hr.contoso.com': ['8.8.8.8', '2606:4700:4700::1111'] });
    expect(await callbackAddressProblem('https://hr.contoso.com/cb', resolve)).toBeUndefined();
  });

  it.each([
    ['one private address among public ones', ['8.8.8.8', '10.0.0.7']],
    ['loopback', ['127.0.0.1']],
    ['the metadata endpoint', ['169.254.169.254']],
    ["Azure's wire server", ['168.63.129.16']],
    ['IPv4-mapped loopback', ['::ffff:127.0.0.1']],
    ['NAT64 of the metadata endpoint', ['64:ff9b::a9fe:a9fe']],
    ['6to4 of loopback', ['2002:7f00:1::1']],
    ['IPv6 unique local', ['fd00::5']],
    ['unspecified', ['0.0.0.0']],
    ['broadcast', ['255.255.255.255']],
  ])('refuses a name that resolves to %s', async (_, addresses) => {
    const resolve = resolver({ 'hr.contoso.com': addresses });
    expect(await callbackAddressProblem('https://hr.contoso.com/cb', resolve)).toBe(unreachable);
  });

  it('looks up a trailing-dot name as the same host', async () => {
    const looked: string[] = [];
    const problem = await callbackAddressProblem('https://hr.contoso.com./cb', (hostname) => {
      looked.push(hostname);
      return Promise.resolve(['10.1.2.3']);
    });
    expect(looked).toEqual(['hr.contoso.com']);
    expect(problem).toBe(unreachable);
  });

  it('refuses a name that resolves to nothing, and judges an IP literal without resolving', async () => {
    expect(await callbackAddressProblem('https://nowhere.contoso.com/cb', resolver({}))).toBe(
      'expected a host name that resolves to an address',
    );
    const never = () => Promise.reject(new Error('must not resolve a literal'));
    expect(await callbackAddressProblem('https://8.8.8.8/cb', never)).toBeUndefined();
    expect(await callbackAddressProblem('https://[::1]/cb', never)).toBe(unreachable);
  });

  it('judges a resolved address text by ipaddr.js, refusing what is not an address', () => {
    expect(isCallableAddress('8.8.8.8')).toBe(true);
    expect(isCallableAddress('not-an-address')).toBe(false);
    expect(isCallableAddress('fe80::1%eth0')).toBe(false);
  });
});
