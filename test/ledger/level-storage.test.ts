import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { StorageError } from '../../ledger/errors.js';
import { openLevelStorage } from '../../ledger/level-storage.js';
import { describeStorageConformance } from './storage-conformance.js';

describeStorageConformance('LevelDB storage', {
  async createLocation() {
    const directory = await mkdtemp(path.join(tmpdir(), 'ecert-level-'));
    return {
      open: () => openLevelStorage(directory),
      remove: () => rm(directory, { recursive: true, force: true }),
    };
  },
});

describe('LevelDB storage lock', () => {
  it('when another process holds the directory, it fails with store_locked', async () => {
    const directory = await mkdtemp(path.join(tmpdir(), 'ecert-level-lock-'));
    // The child opens the directory with classic-level, reports it, and waits for stdin to close.
    const script = `
      const { Level } = await import('level');
      const db = new Level(process.argv[1]);
      await db.open();
      process.stdout.write('open\\n');
      process.stdin.resume();
      process.stdin.on('end', async () => { await db.close(); process.exit(0); });
    `;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script, directory], {
      cwd: process.cwd(),
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    try {
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (chunk: Buffer) => {
          if (chunk.toString().includes('open')) resolve();
        });
        child.on('exit', (code) => reject(new Error(`child exited with ${code} before opening`)));
      });
      const error = await openLevelStorage(directory).then(
        () => undefined,
        (e: unknown) => e as StorageError,
      );
      expect(error?.code).toBe('store_locked');
      expect(error?.message).toContain(directory);
    } finally {
      child.stdin.end();
      await new Promise((resolve) => child.on('close', resolve));
      await rm(directory, { recursive: true, force: true });
    }
  });
});
