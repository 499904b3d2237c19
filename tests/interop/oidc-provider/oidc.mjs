// panva's oidc-provider as an independent OpenID Provider for tests/api/oidc.rs.
// Config comes as JSON in OIDC_CONFIG: {"clients": [...client metadata...]}; PORT picks the port (0 = any free one).
// Prints the port once it listens. Every start makes a fresh RSA signing key, so restarting on the same port
// rotates the key (a new kid) under the same issuer. Stops when stdin closes, so a dying test leaves no process.
import http from 'node:http';
import { generateKeyPairSync } from 'node:crypto';
import Provider from 'oidc-provider';

const { clients } = JSON.parse(process.env.OIDC_CONFIG ?? '{"clients":[]}');
// Claims that replace the defaults for one login, e.g. {"ann@gmail.com": {"email_verified": false}} or a Google
// Workspace account's {"hd": "initech.test"} (tests/api/sso_social.rs poses this provider as Google).
const accounts = JSON.parse(process.env.OIDC_ACCOUNTS ?? '{}');
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const server = http.createServer();

server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  const { port } = server.address();
  const provider = new Provider(`http://127.0.0.1:${port}`, {
    clients,
    jwks: { keys: [{ ...privateKey.export({ format: 'jwk' }), use: 'sig', alg: 'RS256' }] },
    enabledJWA: { idTokenSigningAlgValues: ['RS256', 'HS256'] },
    claims: {
      openid: ['sub', 'hd'],
      email: ['email', 'email_verified'],
      profile: ['name', 'given_name', 'family_name'],
    },
    // The dev login form's "login" is the account id; one that looks like an address is also its email.
    findAccount: (ctx, id) => ({
      accountId: id,
      claims: () => ({
        sub: id,
        ...(id.includes('@') ? { email: id, email_verified: true } : {}),
        name: `${id.split('@')[0]} Example`,
        given_name: id.split('@')[0],
        family_name: 'Example',
        ...(accounts[id] ?? {}),
      }),
    }),
    cookies: { keys: ['gatehouse-interop-test-only'] },
  });
  server.on('request', provider.callback());
  process.stdout.write(`${port}\n`);
  // stdout carries only the port (the test stops reading it); oidc-provider's own notices go to stderr.
  console.log = console.info = console.error;
});

process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
