// SAML ACS benchmark (issue 7), run by benches/load/saml_acs.sh against a running release server. It lives here so
// that it imports the pinned @node-saml/node-saml and xml-crypto of this directory.
//
// 1. Signs BENCH_RESPONSES IdP-initiated responses (RSA-2048, RSA-SHA256, exclusive c14n, enveloped signature on the
//    Assertion) with xml-crypto, each with its own IDs, valid for an hour.
// 2. @node-saml/node-saml validates every one of them (signature against the IdP certificate, audience, times), in
//    BENCH_NODE_WORKERS worker threads (default: one per core), and the rate is timed.
// 3. The server's ACS verifies the same responses over HTTP (BENCH_CONCURRENCY in flight); only a 302 carrying a
//    `code` counts. This is the full ACS: xmlsec verification, the replay cache insert and the one-time code.
// 4. Authorize-to-token: BENCH_ROUNDS sequential SP-initiated logins. Each times GET /sso/authorize + POST ACS +
//    POST /sso/token (the IdP's signing in between is not timed) and prints p50/p99.
// Prints one JSON object per part. Exits 1 if any response was refused by either side (an invalid run).
//
// Env: BASE, API_KEY, CONN_ID, CLIENT_ID, REDIRECT_URI, ACS_URL, SP_ENTITY_ID, IDP_ENTITY_ID, IDP_KEY_PEM,
// IDP_CERT_PEM (file paths), BENCH_RESPONSES (5000), BENCH_CONCURRENCY (16), BENCH_NODE_WORKERS, BENCH_ROUNDS (300).
import { readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { inflateRawSync } from 'node:zlib';
import { randomBytes } from 'node:crypto';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { SignedXml } from 'xml-crypto';
import { SAML } from '@node-saml/node-saml';

const env = (name, fallback) => {
  const v = process.env[name] ?? fallback;
  if (v === undefined) throw new Error(`${name} is required`);
  return v;
};

function nodeSaml(cfg) {
  return new SAML({
    callbackUrl: cfg.acsUrl,
    entryPoint: 'https://idp.bench.test/sso',
    issuer: cfg.spEntityId,
    audience: cfg.spEntityId,
    idpCert: cfg.certPem,
    wantAssertionsSigned: true,
    wantAuthnResponseSigned: false,
    validateInResponseTo: 'never',
    acceptedClockSkewMs: 90_000,
  });
}

function xmlTime(d) {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function id() {
  return `_${randomBytes(20).toString('hex')}`;
}

function response(cfg, { inResponseTo, email }) {
  const now = new Date();
  const until = new Date(now.getTime() + 3600_000);
  const at = xmlTime(now);
  const irt = inResponseTo ? ` InResponseTo="${inResponseTo}"` : '';
  const assertionId = id();
  const assertion =
    `<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" xmlns:xs="http://www.w3.org/2001/XMLSchema" ` +
    `xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" ID="${assertionId}" Version="2.0" IssueInstant="${at}">` +
    `<saml:Issuer>${cfg.idpEntityId}</saml:Issuer>` +
    `<saml:Subject><saml:NameID Format="urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress">${email}</saml:NameID>` +
    `<saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer">` +
    `<saml:SubjectConfirmationData${irt} NotOnOrAfter="${xmlTime(until)}" Recipient="${cfg.acsUrl}"/>` +
    `</saml:SubjectConfirmation></saml:Subject>` +
    `<saml:Conditions NotBefore="${at}" NotOnOrAfter="${xmlTime(until)}"><saml:AudienceRestriction>` +
    `<saml:Audience>${cfg.spEntityId}</saml:Audience></saml:AudienceRestriction></saml:Conditions>` +
    `<saml:AuthnStatement AuthnInstant="${at}" SessionIndex="${assertionId}"><saml:AuthnContext>` +
    `<saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml:AuthnContextClassRef>` +
    `</saml:AuthnContext></saml:AuthnStatement>` +
    `<saml:AttributeStatement>` +
    `<saml:Attribute Name="email"><saml:AttributeValue xsi:type="xs:string">${email}</saml:AttributeValue></saml:Attribute>` +
    `<saml:Attribute Name="firstName"><saml:AttributeValue xsi:type="xs:string">Ada</saml:AttributeValue></saml:Attribute>` +
    `<saml:Attribute Name="lastName"><saml:AttributeValue xsi:type="xs:string">Lovelace</saml:AttributeValue></saml:Attribute>` +
    `</saml:AttributeStatement></saml:Assertion>`;
  const sig = new SignedXml({
    privateKey: cfg.keyPem,
    publicCert: cfg.certPem,
    signatureAlgorithm: 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
    canonicalizationAlgorithm: 'http://www.w3.org/2001/10/xml-exc-c14n#',
  });
  sig.addReference({
    xpath: "//*[local-name(.)='Assertion']",
    digestAlgorithm: 'http://www.w3.org/2001/04/xmlenc#sha256',
    transforms: ['http://www.w3.org/2000/09/xmldsig#enveloped-signature', 'http://www.w3.org/2001/10/xml-exc-c14n#'],
  });
  sig.computeSignature(assertion, {
    prefix: 'ds',
    location: { reference: "//*[local-name(.)='Issuer']", action: 'after' },
  });
  const xml =
    `<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ` +
    `ID="${id()}" Version="2.0" IssueInstant="${at}" Destination="${cfg.acsUrl}"${irt}>` +
    `<saml:Issuer>${cfg.idpEntityId}</saml:Issuer>` +
    `<samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>` +
    `${sig.getSignedXml()}</samlp:Response>`;
  return Buffer.from(xml).toString('base64');
}

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

const load = () => loadavg().map((l) => l.toFixed(2)).join(' ');

async function postAcs(cfg, b64, relayState) {
  const form = new URLSearchParams({ SAMLResponse: b64 });
  if (relayState) form.set('RelayState', relayState);
  const resp = await fetch(`${cfg.base}/sso/saml/acs/${cfg.connId}`, { method: 'POST', body: form, redirect: 'manual' });
  await resp.arrayBuffer();
  const location = resp.headers.get('location') ?? '';
  return { status: resp.status, code: new URL(location, cfg.base).searchParams.get('code') };
}

async function main() {
  const cfg = {
    base: env('BASE'),
    apiKey: env('API_KEY'),
    connId: env('CONN_ID'),
    clientId: env('CLIENT_ID'),
    redirectUri: env('REDIRECT_URI'),
    acsUrl: env('ACS_URL'),
    spEntityId: env('SP_ENTITY_ID'),
    idpEntityId: env('IDP_ENTITY_ID'),
    keyPem: readFileSync(env('IDP_KEY_PEM'), 'utf8'),
    certPem: readFileSync(env('IDP_CERT_PEM'), 'utf8'),
  };
  const n = Number(env('BENCH_RESPONSES', '5000'));
  const concurrency = Number(env('BENCH_CONCURRENCY', '16'));
  const workers = Number(env('BENCH_NODE_WORKERS', String(availableParallelism())));
  const rounds = Number(env('BENCH_ROUNDS', '300'));
  let invalid = false;

  let t = performance.now();
  const responses = Array.from({ length: n }, (_, i) => response(cfg, { email: `user${i}@bench.test` }));
  console.log(JSON.stringify({ part: 'sign', responses: n, seconds: +((performance.now() - t) / 1000).toFixed(2) }));
  // The in-process comparison (examples/saml_verify_rate.rs) validates one of these same responses.
  if (process.env.ONE_RESPONSE_OUT) writeFileSync(process.env.ONE_RESPONSE_OUT, responses[0]);

  // node-saml, same responses, all cores.
  const before = load();
  const shares = Array.from({ length: workers }, (_, w) => responses.filter((_, i) => i % workers === w));
  const results = await Promise.all(
    shares.map(
      (share) =>
        new Promise((resolve, reject) => {
          const worker = new Worker(new URL(import.meta.url), {
            workerData: { cfg: { acsUrl: cfg.acsUrl, spEntityId: cfg.spEntityId, certPem: cfg.certPem }, responses: share },
          });
          worker.once('message', resolve);
          worker.once('error', reject);
        }),
    ),
  );
  // The workers run side by side: the slowest one's validation time is the batch's.
  const nodeSeconds = Math.max(...results.map((r) => r.seconds));
  const nodeOk = results.reduce((sum, r) => sum + r.ok, 0);
  if (nodeOk !== n) invalid = true;
  console.log(
    JSON.stringify({
      part: 'node-saml validatePostResponseAsync',
      workers,
      validated: nodeOk,
      refused: n - nodeOk,
      failures: results.flatMap((r) => r.failures).slice(0, 3),
      seconds: +nodeSeconds.toFixed(2),
      per_second: +(nodeOk / nodeSeconds).toFixed(1),
      load_before: before,
    }),
  );

  // The server's ACS, the same responses, each once.
  const serverBefore = load();
  let next = 0;
  let ok = 0;
  const statuses = {};
  t = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) {
        const b64 = responses[next++];
        const r = await postAcs(cfg, b64);
        if (r.status === 302 && r.code) ok += 1;
        else statuses[r.status] = (statuses[r.status] ?? 0) + 1;
      }
    }),
  );
  const serverSeconds = (performance.now() - t) / 1000;
  if (ok !== n) invalid = true;
  console.log(
    JSON.stringify({
      part: 'gatehouse POST /sso/saml/acs (HTTP, full ACS)',
      concurrency,
      accepted: ok,
      refused: n - ok,
      refused_statuses: statuses,
      seconds: +serverSeconds.toFixed(2),
      per_second: +(ok / serverSeconds).toFixed(1),
      ratio_to_node_saml: +((ok / serverSeconds) / (nodeOk / nodeSeconds)).toFixed(2),
      load_before: serverBefore,
    }),
  );

  // Authorize to token, one login at a time.
  const totals = [];
  const parts = { authorize: [], acs: [], token: [] };
  const roundsBefore = load();
  for (let i = 0; i < rounds; i++) {
    const authorizeUrl =
      `${cfg.base}/sso/authorize?client_id=${encodeURIComponent(cfg.clientId)}` +
      `&redirect_uri=${encodeURIComponent(cfg.redirectUri)}&response_type=code&state=s${i}&connection=${cfg.connId}`;
    let t0 = performance.now();
    const a = await fetch(authorizeUrl, { redirect: 'manual' });
    await a.arrayBuffer();
    const authorizeMs = performance.now() - t0;
    const to = new URL(a.headers.get('location'));
    const request = inflateRawSync(Buffer.from(to.searchParams.get('SAMLRequest'), 'base64')).toString();
    const requestId = /\sID="([^"]+)"/.exec(request)[1];
    const b64 = response(cfg, { inResponseTo: requestId, email: `round${i}@bench.test` });
    t0 = performance.now();
    const r = await postAcs(cfg, b64, to.searchParams.get('RelayState'));
    const acsMs = performance.now() - t0;
    t0 = performance.now();
    const tok = await fetch(`${cfg.base}/sso/token`, {
      method: 'POST',
      headers: { authorization: `Bearer ${cfg.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ client_id: cfg.clientId, grant_type: 'authorization_code', code: r.code ?? 'none' }),
    });
    const body = await tok.json();
    const tokenMs = performance.now() - t0;
    if (!r.code || tok.status !== 200 || !body.profile) {
      invalid = true;
      console.error(`round ${i}: acs ${r.status}, token ${tok.status} ${JSON.stringify(body)}`);
      break;
    }
    parts.authorize.push(authorizeMs);
    parts.acs.push(acsMs);
    parts.token.push(tokenMs);
    totals.push(authorizeMs + acsMs + tokenMs);
  }
  const summary = (xs) => {
    const s = [...xs].sort((a, b) => a - b);
    return { p50_ms: +percentile(s, 50).toFixed(2), p99_ms: +percentile(s, 99).toFixed(2) };
  };
  console.log(
    JSON.stringify({
      part: 'authorize → ACS → /sso/token (server time; IdP signing excluded)',
      rounds: totals.length,
      total: summary(totals),
      authorize: summary(parts.authorize),
      acs: summary(parts.acs),
      token: summary(parts.token),
      load_before: roundsBefore,
    }),
  );
  if (invalid) {
    console.error('INVALID run: some response was refused (see above)');
    process.exit(1);
  }
}

async function worker() {
  // A node-saml worker: validate its share and report how many passed.
  const saml = nodeSaml(workerData.cfg);
  let ok = 0;
  const failures = [];
  // Warm-up (module loading, JIT) outside the timed loop, which the worker times itself.
  if (workerData.responses.length > 0) {
    await saml.validatePostResponseAsync({ SAMLResponse: workerData.responses[0] }).catch(() => {});
  }
  const t = performance.now();
  for (const b64 of workerData.responses) {
    try {
      const { profile } = await saml.validatePostResponseAsync({ SAMLResponse: b64 });
      if (profile?.nameID) ok += 1;
    } catch (e) {
      if (failures.length < 3) failures.push(String(e.message ?? e));
    }
  }
  parentPort.postMessage({ ok, failures, seconds: (performance.now() - t) / 1000 });
}

await (isMainThread ? main() : worker());
