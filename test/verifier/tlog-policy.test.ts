import { describe, expect, it } from 'vitest';

import { formatCheckpoint } from '../../ledger/checkpoint.js';
import { EMPTY_ROOT_HASH } from '../../ledger/hash.js';
import { generatePrivateKey, noteSigner, SIG_TYPE_COSIGNATURE, signNote, verifierKeyOf } from '../../ledger/note.js';
import { VerificationError } from '../../verifier/errors.js';
import {
  evaluateTlogPolicy,
  formatTlogPolicy,
  parseTlogPolicy,
  policyFromWitnesses,
  policyTrustsLog,
} from '../../verifier/tlog-policy.js';

const logKey = generatePrivateKey('log.example/test');
const witnesses = ['witness:KG', 'witness:UZ', 'witness:AZ'].map((name) => generatePrivateKey(name, SIG_TYPE_COSIGNATURE));
const [kg, uz, az] = witnesses.map(verifierKeyOf) as [string, string, string];
const text = formatCheckpoint({ origin: 'log.example/test', size: 0, rootHash: EMPTY_ROOT_HASH, extensions: [] });

function cosignedBy(...indexes: number[]): string {
  return signNote(text, [noteSigner(logKey), ...indexes.map((i) => noteSigner(witnesses[i]!))]);
}

function policyError(source: string): VerificationError {
  try {
    parseTlogPolicy(source);
  } catch (error) {
    if (error instanceof VerificationError) return error;
    throw error;
  }
  throw new Error('policy parsed, want an error');
}

describe('parseTlogPolicy', () => {
  it('reads logs, witnesses, groups and the quorum', () => {
    const policy = parseTlogPolicy(
      [
        '# two of three witnesses',
        `log ${verifierKeyOf(logKey)} https://log.example/test`,
        '',
        `witness KG ${kg}`,
        `witness UZ ${uz} https://witness.example/uz`,
        `witness AZ ${az}`,
        'group two 2 KG UZ AZ',
        'quorum two',
      ].join('\n'),
    );
    expect(policy.logs).toEqual([{ vkey: verifierKeyOf(logKey), url: 'https://log.example/test' }]);
    expect(policy.witnesses.map((witness) => witness.name)).toEqual(['KG', 'UZ', 'AZ']);
    expect(policy.witnesses[1]!.url).toBe('https://witness.example/uz');
    expect(policy.groups).toEqual([{ name: 'two', threshold: 2, members: ['KG', 'UZ', 'AZ'] }]);
    expect(policy.quorum).toBe('two');
  });

  it('reads all, any and quorum none', () => {
    const policy = parseTlogPolicy(`witness KG ${kg}\nwitness UZ ${uz}\ngroup both all KG UZ\ngroup either any KG UZ\nquorum none\n`);
    expect(policy.groups.map((group) => group.threshold)).toEqual([2, 1]);
    expect(policy.quorum).toBeNull();
  });

  it('round-trips through formatTlogPolicy', () => {
    const policy = parseTlogPolicy(`witness KG ${kg}\nwitness UZ ${uz}\ngroup g 1 KG UZ\nquorum g\n`);
    expect(parseTlogPolicy(formatTlogPolicy(policy))).toEqual(policy);
  });

  const cases: [string, string, number][] = [
    ['unknown keyword', `witness KG ${kg}\ncosigner KG\nquorum KG`, 2],
    ['no quorum line', `witness KG ${kg}\n`, 2],
    ['second quorum line', `witness KG ${kg}\nquorum KG\nquorum none`, 3],
    ['quorum of an undefined name', 'quorum KG', 1],
    ['group member not defined above', `group g 1 KG\nwitness KG ${kg}\nquorum g`, 1],
    ['threshold above the member count', `witness KG ${kg}\ngroup g 2 KG\nquorum g`, 2],
    ['threshold zero', `witness KG ${kg}\ngroup g 0 KG\nquorum g`, 2],
    ['threshold with a leading zero', `witness KG ${kg}\ngroup g 01 KG\nquorum g`, 2],
    ['member named twice', `witness KG ${kg}\ngroup g 1 KG KG\nquorum g`, 2],
    ['name defined twice', `witness KG ${kg}\nwitness KG ${uz}\nquorum KG`, 2],
    ['witness key of type 0x01', `witness KG ${verifierKeyOf(logKey)}\nquorum KG`, 1],
    ['one key for two witnesses', `witness KG ${kg}\nwitness KG2 ${kg}\nquorum KG`, 2],
    ['invalid vkey', 'witness KG not+a+key\nquorum KG', 1],
    ['URL that is not http', `witness KG ${kg} ftp://witness.example\nquorum KG`, 1],
    ['group without members', 'group g any\nquorum none', 1],
    ['reserved name', `witness none ${kg}\nquorum none`, 1],
  ];
  for (const [name, source, line] of cases) {
    it(`rejects ${name} with its line number`, () => {
      const error = policyError(source);
      expect(error.code).toBe('invalid_policy');
      expect(error.evidence.line).toBe(line);
    });
  }

  it('rejects text over the size limit', () => {
    expect(policyError('#'.repeat(300 * 1024)).code).toBe('invalid_policy');
  });
});

describe('evaluateTlogPolicy', () => {
  const twoOfThree = parseTlogPolicy(`witness KG ${kg}\nwitness UZ ${uz}\nwitness AZ ${az}\ngroup two 2 KG UZ AZ\nquorum two\n`);

  it('k-of-n needs k cosignatures', () => {
    expect(evaluateTlogPolicy(cosignedBy(0), twoOfThree).satisfied).toBe(false);
    const met = evaluateTlogPolicy(cosignedBy(0, 2), twoOfThree);
    expect(met.satisfied).toBe(true);
    expect(met.cosigners).toEqual(['KG', 'AZ']);
    expect(met.requirement).toBe('2 of (KG, UZ, AZ)');
  });

  it('nested groups combine', () => {
    const nested = parseTlogPolicy(
      `witness KG ${kg}\nwitness UZ ${uz}\nwitness AZ ${az}\ngroup central any KG UZ\ngroup all-regions all central AZ\nquorum all-regions\n`,
    );
    expect(evaluateTlogPolicy(cosignedBy(1), nested).satisfied).toBe(false);
    expect(evaluateTlogPolicy(cosignedBy(2), nested).satisfied).toBe(false);
    expect(evaluateTlogPolicy(cosignedBy(1, 2), nested).satisfied).toBe(true);
  });

  it('quorum none accepts the log signature alone', () => {
    expect(evaluateTlogPolicy(cosignedBy(), parseTlogPolicy('quorum none')).satisfied).toBe(true);
  });

  it('a forged cosignature does not count', () => {
    const forger = generatePrivateKey('witness:KG', SIG_TYPE_COSIGNATURE);
    const note = signNote(text, [noteSigner(logKey), noteSigner(forger)]);
    expect(evaluateTlogPolicy(note, parseTlogPolicy(`witness KG ${kg}\nquorum KG`)).satisfied).toBe(false);
  });

  it('a known witness line that fails rejects the note', () => {
    const note = cosignedBy(0);
    const lines = note.trimEnd().split('\n');
    const last = lines.pop()!;
    const [dash, name, encoded] = last.split(' ') as [string, string, string];
    const bytes = Buffer.from(encoded, 'base64');
    bytes[bytes.length - 1]! ^= 0x01;
    const tampered = [...lines, `${dash} ${name} ${bytes.toString('base64')}`].join('\n') + '\n';
    const policy = parseTlogPolicy(`witness KG ${kg}\nquorum none`);
    expect(() => evaluateTlogPolicy(tampered, policy)).toThrowError(expect.objectContaining({ code: 'invalid_signature' }));
  });

  it('policyFromWitnesses builds a k-of-n group', () => {
    const policy = policyFromWitnesses(
      [
        { name: 'witness:KG', key: kg },
        { name: 'witness:UZ', key: uz },
      ],
      2,
    );
    expect(evaluateTlogPolicy(cosignedBy(0), policy).satisfied).toBe(false);
    expect(evaluateTlogPolicy(cosignedBy(0, 1), policy).satisfied).toBe(true);
    expect(policyFromWitnesses([], 0).quorum).toBeNull();
  });

  it('policyTrustsLog follows the log lines', () => {
    const other = generatePrivateKey('log.example/test');
    const listed = parseTlogPolicy(`log ${verifierKeyOf(logKey)}\nquorum none`);
    expect(policyTrustsLog(listed, logKey)).toBe(true);
    expect(policyTrustsLog(listed, other)).toBe(false);
    expect(policyTrustsLog(parseTlogPolicy('quorum none'), other)).toBe(true);
  });
});
