import { describe, expect, it } from 'vitest';
import { restoreCaCerts, SAVED_CA_CERTS, withoutCaCerts } from '../../src/util/node-env.js';

describe('NODE_EXTRA_CA_CERTS set aside while Node starts', () => {
  it('puts back the value the bin set aside, and drops the spare name', () => {
    const env: NodeJS.ProcessEnv = { [SAVED_CA_CERTS]: '/etc/ssl/my certs.pem', PATH: '/bin' };
    restoreCaCerts(env);
    expect(env).toEqual({ NODE_EXTRA_CA_CERTS: '/etc/ssl/my certs.pem', PATH: '/bin' });
  });

  it('leaves it unset when it was not set (the shebang then saves an empty value)', () => {
    const env: NodeJS.ProcessEnv = { [SAVED_CA_CERTS]: '', PATH: '/bin' };
    restoreCaCerts(env);
    expect(env).toEqual({ PATH: '/bin' });
  });

  it('changes nothing for a topo not started by the bin (node dist/cli/main.js)', () => {
    const env: NodeJS.ProcessEnv = { NODE_EXTRA_CA_CERTS: '/x.pem' };
    restoreCaCerts(env);
    expect(env).toEqual({ NODE_EXTRA_CA_CERTS: '/x.pem' });
  });

  it('sets it aside for topo started again by itself, which restores it the same way', () => {
    const env = withoutCaCerts({ NODE_EXTRA_CA_CERTS: '/x.pem', HOME: '/root' });
    expect(env).toEqual({ [SAVED_CA_CERTS]: '/x.pem', HOME: '/root' });
    restoreCaCerts(env);
    expect(env).toEqual({ NODE_EXTRA_CA_CERTS: '/x.pem', HOME: '/root' });
    const none = { HOME: '/root' };
    expect(withoutCaCerts(none)).toBe(none);
  });
});
