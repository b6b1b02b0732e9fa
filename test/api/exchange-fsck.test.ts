import { rmSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import { describe, expect, it } from 'vitest';

import { checkHub } from '../../api/hub-fsck.js';
import { startExchangeHub } from './exchange-harness.js';

describe('fsck of the exchange documents', () => {
  it('finds a lost or changed PDF that the log says the hub holds', async () => {
    const hub = await startExchangeHub();
    const changed = await hub.sendDocument('UZ', 'KG');
    const lost = await hub.sendDocument('UZ', 'KG');
    expect(changed.answer.status).toBe(201);
    expect(lost.answer.status).toBe(201);
    await hub.app.close();
    await hub.exchanges.close();
    await hub.hub.close();
    try {
      expect((await checkHub(hub.dir)).problems).toEqual([]);

      const documents = path.join(hub.dir, 'exchanges', 'documents');
      writeFileSync(path.join(documents, `${changed.sha256}.pdf`), '%PDF-1.7 changed');
      unlinkSync(path.join(documents, `${lost.sha256}.pdf`));
      const codes = (await checkHub(hub.dir)).problems.map((problem) => [problem.code, problem.where]);
      expect(codes).toContainEqual(['document_corrupt', path.join('exchanges', 'documents', `${changed.sha256}.pdf`)]);
      expect(codes).toContainEqual(['document_lost', path.join('exchanges', 'documents', `${lost.sha256}.pdf`)]);
      expect(codes).toHaveLength(2);
    } finally {
      rmSync(hub.dir, { recursive: true, force: true });
    }
  });
});
