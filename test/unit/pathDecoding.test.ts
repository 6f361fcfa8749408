import { describe, expect, it } from 'vitest';
import { decodePath } from '../../devhost/pathDecoding.js';

/** The cases ASP.NET Core's UrlDecoder is tested with (src/Shared/test/.../UrlDecoderTests.cs), in our words. */
describe('decodePath', () => {
  it.each([
    ['/api/abc', '/api/abc'],
    ['/a%20b', '/a b'],
    ['/a%24b', '/a$b'],
    ['/a%C2%A2b', '/a¢b'],
    ['/a%E2%82%ACb', '/a€b'],
    ['/a%F0%90%8D%88b', '/a𐍈b'],
    ['/a%25b', '/a%b'],
    ['/%E4%BD%A0%E5%A5%BD', '/你好'],
  ])('decodes %s', (raw, decoded) => {
    expect(decodePath(raw)).toBe(decoded);
  });

  it.each([
    ['an encoded slash', '/api/a%2Fb', '/api/a%2Fb'],
    ['a lone %', '/a%', '/a%'],
    ['non-hex digits', '/%ZZ', '/%ZZ'],
    ['one hex digit', '/%1', '/%1'],
    ['%% and a hex pair after it', '/a%%2Fb', '/a%%2Fb'],
    ['an invalid lead byte', '/%FF%FF', '/%FF%FF'],
    ['a code point beyond U+10FFFF', '/%F7%BF%BF%BF', '/%F7%BF%BF%BF'],
    ['a surrogate', '/%ED%A0%81', '/%ED%A0%81'],
    ['a truncated sequence', '/%F0%81', '/%F0%81'],
    ['a bad lead before a good pair', '/%C3%C3%A1', '/%C3á'],
  ])('leaves %s as sent', (_what, raw, kept) => {
    expect(decodePath(raw)).toBe(kept);
  });

  it('refuses %00, as Kestrel refuses the request target', () => {
    expect(decodePath('/e/%00')).toBeUndefined();
  });
});
