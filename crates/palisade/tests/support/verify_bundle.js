// Verifies a Sigstore bundle with a public key as the only trusted material, using the
// independent npm packages @sigstore/verify and @sigstore/bundle (no transparency log, no
// certificate, no TUF download). Usage: node verify_bundle.js BUNDLE.json KEY.pub
// Exit 0 and "verified" when the bundle verifies; exit 1 with the verifier's message if not.
'use strict';
const fs = require('fs');
const crypto = require('crypto');
const { Verifier, toSignedEntity, toTrustMaterial } = require('@sigstore/verify');
const { bundleFromJSON } = require('@sigstore/bundle');
const { TrustedRoot } = require('@sigstore/protobuf-specs');

const [bundlePath, keyPath] = process.argv.slice(2);
const bundle = bundleFromJSON(JSON.parse(fs.readFileSync(bundlePath, 'utf8')));
const key = crypto.createPublicKey(fs.readFileSync(keyPath, 'utf8'));
// The key is trusted under the hint palisade writes: base64 of SHA-256 of its SPKI DER.
const hint = crypto.createHash('sha256').update(key.export({ type: 'spki', format: 'der' })).digest('base64');
const root = TrustedRoot.fromJSON({
  mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
  tlogs: [], certificateAuthorities: [], ctlogs: [], timestampAuthorities: [],
});
const trust = toTrustMaterial(root, (h) => {
  if (h !== hint) throw new Error(`unknown key hint ${h}`);
  return { publicKey: key, validFor: () => true };
});
const verifier = new Verifier(trust, { tlogThreshold: 0, ctlogThreshold: 0, tsaThreshold: 0 });
try {
  verifier.verify(toSignedEntity(bundle));
  console.log('verified');
} catch (e) {
  console.log(`not verified: ${e.message}`);
  process.exit(1);
}
