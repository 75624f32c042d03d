// Digital Bazaar's reference verifier, run over credentials credledger exported (tests/interop).
//
// Input (a JSON file named on the command line, or stdin):
//   {
//     "credentials": [credential, ...],   // or "credential": one credential
//     "didDocuments": {did: document},    // every DID document the proofs may need
//     "contexts": {url: context},         // every JSON-LD context the documents name
//     "now": "2026-09-01T12:00:00Z",      // optional: the moment validFrom/validUntil are checked at
//     "check": "credential" | "proof"     // optional, default "credential"
//   }
// Output (stdout): {"verified": bool, "errors": [message, ...]} for "credential", or a JSON array of
// those, one per credential and in order, for "credentials".
//
// check "credential": `vc.verifyCredential` (@digitalbazaar/vc) with the eddsa-rdfc-2022 cryptosuite
//   (which canonicalizes in jsonld.js safe mode) and vc's CredentialIssuancePurpose: the proof must
//   be for assertionMethod, by a key the controller's DID document lists there, and that controller
//   must be the credential's issuer; validFrom/validUntil are checked at `now`.
// check "proof": only the Data Integrity proof (`jsigs.verify` with an AssertionProofPurpose): the
//   signature and the controller's assertionMethod, not the issuer. For vectors whose issuer is not
//   the key's controller (the W3C vc-di-eddsa examples).
//
// The document loader serves ONLY what the input gives: a context by its URL, a DID document by its
// DID, a verification method `did:…#fragment` from its DID document (the method, with the document's
// @context, as did-io resolves it). Anything else is an error naming the URL: nothing is fetched.
import {readFileSync} from 'node:fs';
import * as vc from '@digitalbazaar/vc';
import jsigs from 'jsonld-signatures';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {cryptosuite as eddsaRdfc2022} from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';

import {checkStatus} from '@digitalbazaar/vc-bitstring-status-list';
const {purposes: {AssertionProofPurpose}} = jsigs;

export function documentLoaderFor({contexts = {}, didDocuments = {}, statusLists = {}}) {
  return async url => {
    if(Object.hasOwn(contexts, url)) {
      return {contextUrl: null, documentUrl: url, document: contexts[url]};
    }
    if(Object.hasOwn(statusLists, url)) {  // the signed BitstringStatusListCredentials, as published
      return {contextUrl: null, documentUrl: url, document: statusLists[url]};
    }
    const [did, fragment] = url.split('#', 2);
    if(Object.hasOwn(didDocuments, did)) {
      const doc = didDocuments[did];
      if(fragment === undefined) {
        return {contextUrl: null, documentUrl: url, document: doc};
      }
      const method = (doc.verificationMethod || []).find(
        m => m && (m.id === url || m.id === `#${fragment}`));
      if(!method) {
        throw new Error(`${did}'s DID document has no verification method ${url}`);
      }
      return {
        contextUrl: null, documentUrl: url,
        document: {'@context': doc['@context'], ...method, id: url}
      };
    }
    throw new Error(`${url} is not served here (the harness never fetches)`);
  };
}

// Every message in an error and the errors it wraps (jsigs wraps proof errors in VerificationError).
function messages(error, out = []) {
  if(!error) {
    return out;
  }
  if(Array.isArray(error)) {
    error.forEach(e => messages(e, out));
    return out;
  }
  if(Array.isArray(error.errors) && error.errors.length) {
    messages(error.errors, out);
  } else {
    out.push(describe(error));
  }
  return out;
}

// jsonld.js puts what went wrong in `details`: the safe-mode event (with the dropped property) or
// the cause of a failed context load (our loader's message).
function describe(error) {
  let text = String(error.message || error);
  const details = error.details || {};
  const event = details.event;
  if(event) {
    text += ` ${event.code}: ${event.message} ${JSON.stringify(event.details || {})}`;
  }
  if(details.cause && details.cause.message) {
    text += ` (${details.cause.message})`;
  }
  return text;
}

export async function verifyOne(credential, {documentLoader, now, check = 'credential'}) {
  const suite = new DataIntegrityProof({cryptosuite: eddsaRdfc2022});
  let result;
  try {
    if(check === 'proof') {
      result = await jsigs.verify(credential, {
        suite, purpose: new AssertionProofPurpose(), documentLoader
      });
    } else if(check === 'credential') {
      // checkStatus: Digital Bazaar's Bitstring Status List check (it verifies the list's own proof too).
      result = await vc.verifyCredential({
        credential, suite, documentLoader, checkStatus: options => checkStatus({...options, suite}),
        ...(now ? {now: new Date(now)} : {})
      });
    } else {
      throw new Error(`check must be "credential" or "proof", not ${JSON.stringify(check)}`);
    }
  } catch(error) {
    return {verified: false, errors: messages(error)};
  }
  const errors = [];
  messages(result.error, errors);
  for(const r of result.results || []) {
    if(r.error && !errors.length) {
      messages(r.error, errors);
    }
    if(r.purposeResult && r.purposeResult.error) {
      messages(r.purposeResult.error, errors);
    }
  }
  // The Bitstring Status List check: its error, or "revoked" when the bit is set (vc.verifyCredential
  // reports a set bit in statusResult but still answers verified: true, so a wallet reads it there).
  let revoked = false;
  if(result.statusResult) {
    messages(result.statusResult.error, errors);
    revoked = (result.statusResult.results || []).some(s => s.status === true);
    if(revoked) {
      errors.push('revoked: the status list bit is set');
    }
  }
  return {verified: result.verified === true && !revoked, errors: [...new Set(errors)]};
}

async function main() {
  const source = process.argv[2] && process.argv[2] !== '-' ? process.argv[2] : 0;
  const input = JSON.parse(readFileSync(source, 'utf8'));
  const documentLoader = documentLoaderFor(input);
  const options = {documentLoader, now: input.now, check: input.check};
  let output;
  if(Array.isArray(input.credentials)) {
    output = [];
    for(const credential of input.credentials) {
      output.push(await verifyOne(credential, options));
    }
  } else if(input.credential !== undefined) {
    output = await verifyOne(input.credential, options);
  } else {
    throw new Error('the input names no "credential" and no "credentials"');
  }
  process.stdout.write(JSON.stringify(output) + '\n');
}

main().catch(error => {
  process.stderr.write(`verify.mjs: ${error.stack || error}\n`);
  process.exit(2);
});
