import { callableUrl, resolveBind } from '../../src/bind-address.js';
import { ConfigError } from '../../src/config/errors.js';
import type { ShimConfig } from '../../src/config/types.js';

const config = (server: ShimConfig['server'] = {}): ShimConfig => ({ server, mcpServers: {} });

describe('the bind address', () => {
  test('flag, then config file, then environment, then 127.0.0.1:8080', () => {
    const env = { HOST: '0.0.0.0', PORT: '9000' };
    expect(resolveBind({ host: '::1', port: 1 }, config({ host: '10.0.0.1', port: 2 }), env)).toEqual({
      host: '::1',
      port: 1,
      from: { host: 'flag', port: 'flag' },
    });
    // An image's ENV HOST/PORT is beaten by a mounted config: the reason for this order.
    expect(resolveBind({}, config({ host: '10.0.0.1', port: 2 }), env)).toEqual({ host: '10.0.0.1', port: 2, from: { host: 'config', port: 'config' } });
    expect(resolveBind({}, config(), env)).toEqual({ host: '0.0.0.0', port: 9000, from: { host: 'env', port: 'env' } });
    expect(resolveBind({}, config(), {})).toEqual({ host: '127.0.0.1', port: 8080, from: { host: 'default', port: 'default' } });
    expect(resolveBind({ port: 0 }, config({ host: '::' }), env).from).toEqual({ host: 'config', port: 'flag' });
  });

  test('a bad PORT is a config error only when it decides', () => {
    expect(() => resolveBind({}, config(), { PORT: 'eighty' })).toThrow(ConfigError);
    expect(() => resolveBind({}, config(), { PORT: 'eighty' })).toThrow('PORT must be a port number (0-65535), got "eighty"');
    expect(resolveBind({ port: 0 }, config(), { PORT: 'eighty' }).port).toBe(0);
    expect(resolveBind({}, config({ port: 5 }), { PORT: '70000' }).port).toBe(5);
  });

  test('a wildcard bind is called on loopback', () => {
    expect(callableUrl('http://0.0.0.0:8080')).toBe('http://127.0.0.1:8080');
    expect(callableUrl('http://[::]:8080')).toBe('http://[::1]:8080');
    expect(callableUrl('http://10.1.2.3:8080')).toBe('http://10.1.2.3:8080');
  });
});
