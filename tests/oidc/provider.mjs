// A real OpenID provider for the tests of company sign-in (tests/auth/test_sso.py).
//
// oauth2-mock-server serves discovery, /authorize (which signs the person in at once and
// redirects back with a code), /token (PKCE checked, ID token signed with its RS256 key)
// and /jwks. This script starts it on 127.0.0.1 on a free port, prints
// {"issuer": "http://127.0.0.1:PORT"} on its first line, and adds a control endpoint
// the tests call between sign-ins:
//
//   POST /_test/next    {"claims": {...}, "spoil": {...}}  who signs in next, and how the
//                       next ID token is spoiled, once: "nonce", "aud", "azp" or "iss" (a value
//                       to put there), "expired" (true), "tamper" (an email written into
//                       the signed token, keeping the signature), "foreign_key" (true:
//                       signed by a key that is not in the JWKS, under a kid that is)
//   POST /_test/rotate  a new signing key: it signs every ID token from now on and joins
//                       the JWKS beside the old one (a provider's key rotation)
//   GET  /_test/stats   {"jwks_fetches": n}
//
// Run: node tests/oidc/provider.mjs (after `npm ci --prefix tests/oidc`); stops on SIGTERM.
import crypto from "node:crypto";
import http from "node:http";
import { OAuth2Issuer, OAuth2Service } from "oauth2-mock-server";

const issuer = new OAuth2Issuer();
const service = new OAuth2Service(issuer);
let signingKey = await issuer.keys.generate("RS256");
const foreignKey = crypto.generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey;
let claims = {};
let spoil = {};
let jwksFetches = 0;

function isIdToken(payload) {
  return !("scope" in payload); // the access token carries the scope, the ID token never
}

service.on("beforeTokenSigning", (token) => {
  if (!isIdToken(token.payload)) return;
  Object.assign(token.payload, claims);
  for (const name of ["nonce", "aud", "azp", "iss"]) {
    if (name in spoil) token.payload[name] = spoil[name];
  }
  if (spoil.expired) {
    const now = Math.floor(Date.now() / 1000);
    Object.assign(token.payload, { iat: now - 7200, nbf: now - 7200, exp: now - 3600 });
  }
});

service.on("beforeResponse", (response) => {
  const idToken = response.body.id_token;
  if (typeof idToken !== "string") return;
  const [header, payload] = idToken.split(".").slice(0, 2).map(decode);
  if (spoil.tamper) {
    response.body.id_token = rewritePayload(idToken, { ...payload, email: spoil.tamper });
  } else if (spoil.foreign_key) {
    response.body.id_token = sign(header, payload, foreignKey);
  } else if (header.kid !== signingKey.kid) {
    response.body.id_token = sign({ ...header, kid: signingKey.kid }, payload, privateKey(signingKey));
  }
  spoil = {};
});

function decode(part) {
  return JSON.parse(Buffer.from(part, "base64url").toString());
}

function encode(object) {
  return Buffer.from(JSON.stringify(object)).toString("base64url");
}

function rewritePayload(jwt, payload) {
  const [header, , signature] = jwt.split(".");
  return `${header}.${encode(payload)}.${signature}`;
}

function privateKey(jwk) {
  const { kid, alg, ...material } = jwk; // node reads the key material only
  return crypto.createPrivateKey({ key: material, format: "jwk" });
}

// Synchronous RS256, because the mock server's events do not wait for promises.
function sign(header, payload, key) {
  const input = `${encode(header)}.${encode(payload)}`;
  const signature = crypto.sign("sha256", Buffer.from(input), key);
  return `${input}.${signature.toString("base64url")}`;
}

async function control(req, res) {
  let body = "";
  for await (const chunk of req) body += chunk;
  const send = (status, object) => {
    res.writeHead(status, { "Content-Type": "application/json" });
    res.end(JSON.stringify(object));
  };
  if (req.method === "POST" && req.url === "/_test/next") {
    ({ claims = {}, spoil = {} } = JSON.parse(body || "{}"));
    return send(200, { claims, spoil });
  }
  if (req.method === "POST" && req.url === "/_test/rotate") {
    signingKey = await issuer.keys.generate("RS256");
    return send(200, { kid: signingKey.kid });
  }
  if (req.method === "GET" && req.url === "/_test/stats") {
    return send(200, { jwks_fetches: jwksFetches });
  }
  return send(404, { error: "no such control" });
}

const server = http.createServer((req, res) => {
  if (req.url.startsWith("/_test/")) {
    control(req, res).catch((error) => {
      res.writeHead(400);
      res.end(String(error));
    });
    return;
  }
  if (req.url === "/jwks") jwksFetches += 1;
  service.requestHandler(req, res);
});

server.listen(0, "127.0.0.1", () => {
  issuer.url = `http://127.0.0.1:${server.address().port}`;
  console.log(JSON.stringify({ issuer: issuer.url }));
});

process.on("SIGTERM", () => server.close(() => process.exit(0)));
