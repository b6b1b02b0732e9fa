import { describe, expect, it } from 'vitest';

import { generatePrivateKey } from '../../ledger/note.js';
import { decodeBase64, encodeBase64 } from '../../registry/encoding.js';
import { signingMessage, type SignedEnvelope } from '../../registry/envelope.js';
import { RuleError } from '../../registry/errors.js';
import { SignatureResults } from '../../registry/signature-results.js';
import { documentBody, SHA_A, startedLog, type TestLog } from './fixture.js';

/** Appends `envelope` through `Registry.append` with `results`; returns the rule code or 'accepted'. */
function appendCode(log: TestLog, envelope: SignedEnvelope, results: SignatureResults): string {
  try {
    log.registry.append({ ...envelope, loggedAt: log.now }, () => false, { verifiedSignatures: results });
    return 'accepted';
  } catch (error) {
    if (error instanceof RuleError) return error.code;
    throw error;
  }
}

function authorityKey(log: TestLog): Uint8Array {
  return log.registry.state.actorAt('authority:UZ')!.key.publicKey;
}

function signatureOf(envelope: SignedEnvelope): Uint8Array {
  return decodeBase64(envelope.sig, 'sig');
}

describe('precomputed signature results', () => {
  it('a true for another key does not pass a forged entry', () => {
    const log = startedLog();
    const envelope = log.sign('document.register', documentBody(SHA_A), 'authority:UZ');
    const forged = { ...envelope, body: { ...envelope.body, number: 'CC-forged' } };
    const results = new SignatureResults();
    const attacker = generatePrivateKey('authority:UZ');
    results.set(signingMessage(forged), signatureOf(forged), attacker.publicKey, true);
    expect(appendCode(log, forged, results)).toBe('invalid_signature');
  });

  it('a true for the original signature does not pass a tampered one', () => {
    const log = startedLog();
    const envelope = log.sign('document.register', documentBody(SHA_A), 'authority:UZ');
    const signature = signatureOf(envelope);
    const tampered = Uint8Array.from(signature);
    tampered[10] = (tampered[10]! + 1) % 256;
    const results = new SignatureResults();
    results.set(signingMessage(envelope), signature, authorityKey(log), true);
    expect(appendCode(log, { ...envelope, sig: encodeBase64(tampered) }, results)).toBe('invalid_signature');
  });

  it('a true for the original message does not pass a tampered body', () => {
    const log = startedLog();
    const envelope = log.sign('document.register', documentBody(SHA_A), 'authority:UZ');
    const results = new SignatureResults();
    results.set(signingMessage(envelope), signatureOf(envelope), authorityKey(log), true);
    const forged = { ...envelope, body: { ...envelope.body, number: 'CC-forged' } };
    expect(appendCode(log, forged, results)).toBe('invalid_signature');
  });

  it('a true for a tampered signature with another key is not used', () => {
    const log = startedLog();
    const envelope = log.sign('document.register', documentBody(SHA_A), 'authority:UZ');
    const tampered = Uint8Array.from(signatureOf(envelope));
    tampered[0] = (tampered[0]! + 1) % 256;
    const tamperedEnvelope = { ...envelope, sig: encodeBase64(tampered) };
    const results = new SignatureResults();
    results.set(signingMessage(tamperedEnvelope), tampered, generatePrivateKey('other').publicKey, true);
    expect(appendCode(log, tamperedEnvelope, results)).toBe('invalid_signature');
  });

  it('a valid entry without a stored result verifies inline', () => {
    const log = startedLog();
    const envelope = log.sign('document.register', documentBody(SHA_A), 'authority:UZ');
    expect(appendCode(log, envelope, new SignatureResults())).toBe('accepted');
  });

  it('a stored result for the exact triple is used', () => {
    const valid = startedLog();
    const envelope = valid.sign('document.register', documentBody(SHA_A), 'authority:UZ');
    const trueResults = new SignatureResults();
    trueResults.set(signingMessage(envelope), signatureOf(envelope), authorityKey(valid), true);
    expect(appendCode(valid, envelope, trueResults)).toBe('accepted');

    // A false for the exact triple rejects even a valid signature, which shows the lookup was hit.
    const rejected = startedLog();
    const other = rejected.sign('document.register', documentBody(SHA_A), 'authority:UZ');
    const falseResults = new SignatureResults();
    falseResults.set(signingMessage(other), signatureOf(other), authorityKey(rejected), false);
    expect(appendCode(rejected, other, falseResults)).toBe('invalid_signature');
  });

  it('stores one result per triple', () => {
    const results = new SignatureResults();
    const message = new Uint8Array([1, 2, 3]);
    const signature = new Uint8Array(64).fill(7);
    const key = new Uint8Array(32).fill(1);
    results.set(message, signature, key, false);
    results.set(message, signature, key, true);
    results.set(message, signature, new Uint8Array(32).fill(2), false);
    expect(results.size).toBe(2);
    expect(results.get(message, signature, key)).toBe(true);
    expect(results.get(new Uint8Array([1, 2]), signature, key)).toBeUndefined();
  });
});
