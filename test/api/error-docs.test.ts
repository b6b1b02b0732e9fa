/**
 * Every error code the hub's API can return must be documented in docs/ERRORS.md. The codes
 * come from api/errors.ts STATUS_BY_CODE, the codes the API raises itself, and every RuleError
 * code in registry/ (found in the source at test time, so a new rule cannot skip the docs).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

import { describe, expect, it } from 'vitest';

import { STATUS_BY_CODE } from '../../api/errors.js';
import { PROJECT_ROOT } from '../helpers/hub-process.js';

const ERRORS_DOC = path.join(PROJECT_ROOT, 'docs/ERRORS.md');

function listSources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return listSources(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

function matchAll(text: string, pattern: RegExp): string[] {
  return [...text.matchAll(pattern)].map((match) => match[1]!);
}

/** RuleError codes in registry/: `reject('code'`, `new RuleError('code'`, and `const code = … 'a' : 'b'` choices. */
export function registryErrorCodes(): string[] {
  const codes = new Set<string>();
  for (const file of listSources(path.join(PROJECT_ROOT, 'registry'))) {
    const source = readFileSync(file, 'utf8');
    for (const code of matchAll(source, /\breject\(\s*'([a-z][a-z0-9_]*)'/g)) codes.add(code);
    for (const code of matchAll(source, /\bnew RuleError\(\s*'([a-z][a-z0-9_]*)'/g)) codes.add(code);
    for (const choice of matchAll(source, /\bconst code\s*=\s*([^;]+);/g)) {
      // Only the results of a conditional, not the values it compares against.
      for (const code of matchAll(choice, /(?:[?:]|^)\s*'([a-z][a-z0-9_]*)'/g)) codes.add(code);
    }
  }
  return [...codes];
}

/** Codes api/ raises itself: `new ApiError(status, 'code'`, and the literals of the error mapping. */
export function apiErrorCodes(): string[] {
  const codes = new Set<string>(Object.keys(STATUS_BY_CODE));
  for (const file of listSources(path.join(PROJECT_ROOT, 'api'))) {
    const source = readFileSync(file, 'utf8');
    for (const code of matchAll(source, /\bnew ApiError\(\s*\d+,\s*'([a-z][a-z0-9_]*)'/g)) codes.add(code);
    for (const code of matchAll(source, /\berrorBody\(\s*'([a-z][a-z0-9_]*)'/g)) codes.add(code);
    for (const code of matchAll(source, /\bcode:\s*'([a-z][a-z0-9_]*)'/g)) codes.add(code);
  }
  return [...codes];
}

/** Every code the API can return, sorted. */
export function answerableErrorCodes(): string[] {
  return [...new Set([...apiErrorCodes(), ...registryErrorCodes()])].sort();
}

const codes = answerableErrorCodes();
const doc = existsSync(ERRORS_DOC) ? readFileSync(ERRORS_DOC, 'utf8') : '';

describe('error code docs', () => {
  it('collects the codes of the API and the registry', () => {
    for (const known of ['invalid_json', 'route_not_found', 'internal_error', 'wrong_country', 'replayed_nonce', 'not_party']) {
      expect(codes).toContain(known);
    }
  });

  it('docs/ERRORS.md exists', () => {
    expect(existsSync(ERRORS_DOC), `${ERRORS_DOC} is missing`).toBe(true);
  });

  for (const code of codes) {
    it(`docs/ERRORS.md lists ${code}`, () => {
      expect(new RegExp(`\\b${code}\\b`).test(doc), `${code} is not in docs/ERRORS.md`).toBe(true);
    });
  }
});
