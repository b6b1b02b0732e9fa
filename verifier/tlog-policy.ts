/**
 * Witness policies in the c2sp.org/tlog-policy text format, and their evaluation against a
 * cosigned checkpoint. A policy lists the logs it trusts, the witnesses with their type 0x04
 * cosigning keys, k-of-n groups of witnesses and groups, and the one name whose group must be
 * satisfied (or `none`):
 *
 *   log <vkey> [url]
 *   witness <name> <vkey> [url]
 *   group <name> <k|all|any> <member>...
 *   quorum <name>|none
 *
 * Blank lines and lines starting with `#` are ignored.
 */
import { LedgerError, NoteError } from '../ledger/errors.js';
import {
  noteVerifier,
  parseVerifierKey,
  SIG_TYPE_COSIGNATURE,
  verifyKnownSignatures,
  type NoteVerifier,
  type VerifierKey,
} from '../ledger/note.js';
import { VerificationError } from './errors.js';

export interface PolicyLog {
  vkey: string;
  url?: string;
}

export interface PolicyWitness {
  name: string;
  /** The witness's type 0x04 cosigning key as a note vkey. */
  vkey: string;
  url?: string;
}

export interface PolicyGroup {
  name: string;
  /** Members that must be satisfied, 1 to the number of members. */
  threshold: number;
  /** Names of witnesses and groups defined before the group. */
  members: string[];
}

/** A parsed c2sp.org/tlog-policy. */
export interface TlogPolicy {
  /** Logs the policy trusts; empty when it leaves the log key to the caller. */
  logs: PolicyLog[];
  witnesses: PolicyWitness[];
  groups: PolicyGroup[];
  /** The witness or group that must be satisfied, or null for `quorum none`. */
  quorum: string | null;
}

/** The outcome of a policy for one checkpoint note. */
export interface PolicyEvaluation {
  satisfied: boolean;
  /** Policy names of the witnesses whose cosignature verified, in policy order. */
  cosigners: string[];
  /** The quorum rule in words, such as `2 of (witness:KG, witness:UZ, witness:AZ)`. */
  requirement: string;
}

/** Longest policy text accepted; a policy of 100 witnesses is about 15 KB. */
export const MAX_POLICY_SIZE = 256 * 1024;
/** Most witnesses and groups together; a checkpoint note carries at most 100 signatures anyway. */
const MAX_POLICY_NAMES = 1000;
const DECIMAL = /^[1-9][0-9]{0,5}$/;
const NAME = /^[\x21-\x7e]{1,128}$/;

/**
 * Parses c2sp.org/tlog-policy text strictly: known keywords only, every name defined once
 * before a group uses it, witness keys of type 0x04 used once, thresholds from 1 to the
 * number of members, exactly one `quorum` line naming a defined witness or group.
 * @throws VerificationError `invalid_policy` with the 1-based `line` in its evidence.
 */
export function parseTlogPolicy(text: string): TlogPolicy {
  if (typeof text !== 'string' || text.length > MAX_POLICY_SIZE) {
    throw new VerificationError('invalid_policy', `policy must be text of at most ${MAX_POLICY_SIZE} characters`, {});
  }
  const builder = new PolicyBuilder();
  const lines = text.split('\n');
  lines.forEach((raw, i) => {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) return;
    try {
      builder.addLine(trimmed.split(/[ \t]+/));
    } catch (error) {
      if (!(error instanceof PolicyLineError)) throw error;
      throw new VerificationError('invalid_policy', `policy line ${i + 1}: ${error.message}`, { line: i + 1 });
    }
  });
  return builder.finish(lines.length);
}

class PolicyLineError extends Error {}

class PolicyBuilder {
  readonly policy: TlogPolicy = { logs: [], witnesses: [], groups: [], quorum: null };
  #names = new Set<string>();
  #witnessKeys = new Set<string>();
  #quorumLine: { name: string } | undefined;

  addLine(fields: string[]): void {
    const [keyword, ...args] = fields as [string, ...string[]];
    switch (keyword) {
      case 'log':
        return this.#addLog(args);
      case 'witness':
        return this.#addWitness(args);
      case 'group':
        return this.#addGroup(args);
      case 'quorum':
        return this.#setQuorum(args);
      default:
        throw new PolicyLineError(`unknown keyword ${JSON.stringify(keyword.slice(0, 32))}, want log, witness, group or quorum`);
    }
  }

  finish(lineCount: number): TlogPolicy {
    if (this.#quorumLine === undefined) {
      throw new VerificationError('invalid_policy', 'policy has no quorum line; add "quorum <name>" or "quorum none"', {
        line: lineCount,
      });
    }
    return this.policy;
  }

  #addLog(args: string[]): void {
    if (args.length < 1 || args.length > 2) throw new PolicyLineError('want "log <vkey> [url]"');
    const key = parseKey(args[0]!);
    if (this.policy.logs.some((log) => sameKey(log.vkey, key))) throw new PolicyLineError(`log key ${key.name} is listed twice`);
    this.policy.logs.push(withUrl({ vkey: key.vkey }, args[1]));
  }

  #addWitness(args: string[]): void {
    if (args.length < 2 || args.length > 3) throw new PolicyLineError('want "witness <name> <vkey> [url]"');
    const name = this.#newName(args[0]!);
    const key = parseKey(args[1]!);
    if (key.type !== SIG_TYPE_COSIGNATURE) {
      throw new PolicyLineError(`witness ${name} has a key of type 0x0${key.type}, want a 0x04 cosignature key`);
    }
    // The cosigned message does not name the cosigner, so one key must not stand for two witnesses.
    const keyText = `${key.name}+${key.keyId}`;
    if (this.#witnessKeys.has(keyText)) throw new PolicyLineError(`witness ${name} reuses the key of another witness`);
    this.#witnessKeys.add(keyText);
    this.#names.add(name);
    this.policy.witnesses.push(withUrl({ name, vkey: key.vkey }, args[2]));
  }

  #addGroup(args: string[]): void {
    if (args.length < 3) throw new PolicyLineError('want "group <name> <k|all|any> <member>..."');
    const name = this.#newName(args[0]!);
    const members = args.slice(2);
    const seen = new Set<string>();
    for (const member of members) {
      if (!this.#names.has(member)) throw new PolicyLineError(`group ${name} names ${JSON.stringify(member)}, which is not defined above`);
      if (seen.has(member)) throw new PolicyLineError(`group ${name} names ${member} twice`);
      seen.add(member);
    }
    const threshold = parseThreshold(args[1]!, members.length, name);
    this.#names.add(name);
    this.policy.groups.push({ name, threshold, members });
  }

  #setQuorum(args: string[]): void {
    if (args.length !== 1) throw new PolicyLineError('want "quorum <name>" or "quorum none"');
    if (this.#quorumLine !== undefined) throw new PolicyLineError('policy has a second quorum line');
    const name = args[0]!;
    if (name !== 'none' && !this.#names.has(name)) {
      throw new PolicyLineError(`quorum names ${JSON.stringify(name)}, which is not a witness or group defined above`);
    }
    this.#quorumLine = { name };
    this.policy.quorum = name === 'none' ? null : name;
  }

  #newName(name: string): string {
    if (!NAME.test(name) || name === 'none' || name === 'all' || name === 'any') {
      throw new PolicyLineError(`name ${JSON.stringify(name.slice(0, 32))} is invalid, want 1 to 128 printable characters other than none, all, any`);
    }
    if (this.#names.has(name)) throw new PolicyLineError(`name ${name} is defined twice`);
    if (this.#names.size >= MAX_POLICY_NAMES) throw new PolicyLineError(`policy defines more than ${MAX_POLICY_NAMES} names`);
    return name;
  }
}

function parseKey(text: string): VerifierKey {
  try {
    return parseVerifierKey(text);
  } catch (error) {
    if (error instanceof NoteError) throw new PolicyLineError(error.message);
    throw error;
  }
}

function parseThreshold(text: string, memberCount: number, group: string): number {
  if (text === 'all') return memberCount;
  if (text === 'any') return 1;
  const threshold = DECIMAL.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(threshold) || threshold > memberCount) {
    throw new PolicyLineError(`group ${group} threshold ${JSON.stringify(text.slice(0, 16))} is invalid, want all, any or 1 to ${memberCount}`);
  }
  return threshold;
}

function withUrl<T extends object>(value: T, url: string | undefined): T & { url?: string } {
  if (url === undefined) return value;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new PolicyLineError(`URL ${JSON.stringify(url.slice(0, 64))} is invalid`);
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw new PolicyLineError(`URL ${JSON.stringify(url.slice(0, 64))} is not http or https`);
  }
  return { ...value, url };
}

function sameKey(vkey: string, key: VerifierKey): boolean {
  const other = parseVerifierKey(vkey);
  return other.name === key.name && other.keyId === key.keyId && Buffer.from(other.publicKey).equals(Buffer.from(key.publicKey));
}

/** Formats a policy as c2sp.org/tlog-policy text that {@link parseTlogPolicy} reads back. */
export function formatTlogPolicy(policy: TlogPolicy): string {
  const lines = [
    ...policy.logs.map((log) => ['log', log.vkey, log.url].filter(Boolean).join(' ')),
    ...policy.witnesses.map((witness) => ['witness', witness.name, witness.vkey, witness.url].filter(Boolean).join(' ')),
    ...policy.groups.map((group) => `group ${group.name} ${group.threshold} ${group.members.join(' ')}`),
    `quorum ${policy.quorum ?? 'none'}`,
  ];
  return `${lines.join('\n')}\n`;
}

/**
 * Builds the policy a log sets for itself: every witness of its witness set, and a group
 * needing `witnessQuorum` of them (quorum none when it is 0).
 */
export function policyFromWitnesses(witnesses: readonly { name: string; key: string }[], witnessQuorum: number): TlogPolicy {
  const policy: TlogPolicy = {
    logs: [],
    witnesses: witnesses.map((witness) => ({ name: witness.name, vkey: witness.key })),
    groups: [],
    quorum: null,
  };
  if (witnessQuorum > 0) {
    const name = uniqueGroupName(policy.witnesses);
    policy.groups.push({ name, threshold: witnessQuorum, members: policy.witnesses.map((witness) => witness.name) });
    policy.quorum = name;
  }
  return policy;
}

function uniqueGroupName(witnesses: readonly PolicyWitness[]): string {
  let name = 'witness-quorum';
  while (witnesses.some((witness) => witness.name === name)) name += '-';
  return name;
}

/**
 * Returns whether the policy accepts checkpoints signed by `logKey`: it lists a log key
 * with that name and key ID, or no log at all. The caller still checks the signature with its own key.
 */
export function policyTrustsLog(policy: TlogPolicy, logKey: { name: string; keyId: number }): boolean {
  if (policy.logs.length === 0) return true;
  return policy.logs.some((log) => {
    const key = parseVerifierKey(log.vkey);
    return key.name === logKey.name && key.keyId === logKey.keyId;
  });
}

/**
 * Evaluates a policy against the cosignatures of a checkpoint note. A witness counts when
 * its signature line verifies over the note's text. A line that names a witness's key (name
 * and key ID) but does not verify rejects the whole note, because c2sp.org/signed-note requires
 * a known key's signature to verify. The caller checks the log's own signature.
 * @throws NoteError `malformed_note` for a note that does not parse, `invalid_signature` for a
 *   witness line that does not verify.
 */
export function evaluateTlogPolicy(note: string, policy: TlogPolicy): PolicyEvaluation {
  const verifiers = new Map<string, NoteVerifier>();
  for (const witness of policy.witnesses) {
    const verifier = witnessVerifier(witness.vkey);
    if (verifier !== undefined) verifiers.set(witness.name, verifier);
  }
  const { verified } = verifyKnownSignatures(note, [...verifiers.values()]);
  const cosigned = new Set<string>();
  for (const [name, verifier] of verifiers) {
    if (verified.some((signature) => signature.name === verifier.name && signature.keyId === verifier.keyId)) cosigned.add(name);
  }
  const groups = new Map(policy.groups.map((group) => [group.name, group]));
  const satisfied = new Map<string, boolean>();
  const isSatisfied = (name: string): boolean => {
    const known = satisfied.get(name);
    if (known !== undefined) return known;
    const group = groups.get(name);
    // Members are defined before their group, so this recursion ends.
    const value = group === undefined ? cosigned.has(name) : group.members.filter(isSatisfied).length >= group.threshold;
    satisfied.set(name, value);
    return value;
  };
  return {
    satisfied: policy.quorum === null || isSatisfied(policy.quorum),
    cosigners: policy.witnesses.filter((witness) => cosigned.has(witness.name)).map((witness) => witness.name),
    requirement: describeRequirement(policy),
  };
}

function witnessVerifier(vkey: string): NoteVerifier | undefined {
  try {
    return noteVerifier(vkey);
  } catch (error) {
    // A key the policy parser accepted but the verifier cannot use counts as no cosignature.
    if (error instanceof LedgerError) return undefined;
    throw error;
  }
}

/** Describes the quorum rule in words, one level deep, so nested groups cannot blow it up. */
export function describeRequirement(policy: TlogPolicy): string {
  if (policy.quorum === null) return 'no witness cosignature';
  const group = policy.groups.find((candidate) => candidate.name === policy.quorum);
  if (group === undefined) return policy.quorum;
  return `${group.threshold} of (${group.members.join(', ')})`;
}
