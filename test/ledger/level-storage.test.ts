import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
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
      open: () => openLevelStorage(directory, { createIfMissing: true }),
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

describe('LevelDB storage open', () => {
  it('when the directory is missing, it fails with store_missing and creates nothing', async () => {
    const parent = await mkdtemp(path.join(tmpdir(), 'ecert-level-missing-'));
    const directory = path.join(parent, 'ledger');
    try {
      const error = await openLevelStorage(directory).then(
        () => undefined,
        (e: unknown) => e as StorageError,
      );
      expect(error?.code).toBe('store_missing');
      expect(existsSync(directory)).toBe(false);
    } finally {
      await rm(parent, { recursive: true, force: true });
    }
  });

  it('when the directory is empty, it fails with store_missing', async () => {
    const directory = await mkdtemp(path.join(tmpdir(), 'ecert-level-empty-'));
    try {
      const error = await openLevelStorage(directory).then(
        () => undefined,
        (e: unknown) => e as StorageError,
      );
      expect(error?.code).toBe('store_missing');
      expect(readdirSync(directory)).toEqual([]);
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });

  it('when CURRENT is missing, it fails and keeps the table files', async () => {
    const directory = await mkdtemp(path.join(tmpdir(), 'ecert-level-current-'));
    try {
      await writeTables(directory);
      await rm(path.join(directory, 'CURRENT'));
      const tables = tableFiles(directory);
      expect(tables.length).toBeGreaterThan(0);
      const error = await openLevelStorage(directory).then(
        () => undefined,
        (e: unknown) => e as StorageError,
      );
      expect(error?.code).toBe('open_failed');
      expect(error?.message).toContain('CURRENT');
      expect(tableFiles(directory)).toEqual(tables);
      expect(existsSync(path.join(directory, 'CURRENT'))).toBe(false);
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });

  it('when a table file is damaged, reads fail with read_failed', async () => {
    const directory = await mkdtemp(path.join(tmpdir(), 'ecert-level-damaged-'));
    try {
      await writeTables(directory);
      const [table] = tableFiles(directory);
      const file = path.join(directory, table!);
      const bytes = readFileSync(file);
      for (let i = 1000; i < 1100; i++) bytes[i] = bytes[i]! ^ 0xff;
      writeFileSync(file, bytes);
      // The latest-checkpoint key shares the damaged block, so opening reads it and fails.
      const error = await openLevelStorage(directory).then(
        () => undefined,
        (e: unknown) => e as StorageError,
      );
      expect(error?.code).toBe('read_failed');
      expect(error?.corrupt).toBe(true);
      expect(error?.message).toMatch(/Corruption/);
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });
});

/** Writes 40 tiles and checkpoints, then reopens the store so LevelDB moves them to a table file. */
async function writeTables(directory: string): Promise<void> {
  const storage = await openLevelStorage(directory, { createIfMissing: true });
  for (let i = 0; i < 40; i++) {
    const hashes = new Uint8Array(8192).map((_, j) => (i * 7 + j * 13) % 251);
    const checkpoint = { size: (i + 1) * 256, rootHash: new Uint8Array(32).fill(i), note: `example.org/log\n${i}\n` };
    await storage.commit({ tiles: [{ level: 0, index: i, hashes }], checkpoint });
  }
  await storage.close();
  await (await openLevelStorage(directory)).close();
}

function tableFiles(directory: string): string[] {
  return readdirSync(directory)
    .filter((name) => name.endsWith('.ldb'))
    .sort();
}
