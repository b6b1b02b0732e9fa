import { MemoryLocation, openMemoryStorage } from '../../ledger/memory-storage.js';
import { describeStorageConformance } from './storage-conformance.js';

describeStorageConformance('memory storage', {
  async createLocation() {
    const location = new MemoryLocation();
    return {
      open: async () => openMemoryStorage(location),
      remove: async () => undefined,
    };
  },
});
