// The generation history, kept in IndexedDB so that a reload (or a crash) loses nothing that was paid for.
// Images are stored as Blobs (IndexedDB keeps them as files, not as base64 strings).
//
// A record: { id, createdAt, model, endpoint: 'images'|'chat', prompt, system, options, input,
//             images: [{ blob, mimeType, format, width, height, size, url }], text, usage, durationMs,
//             status: 'running'|'done'|'cancelled'|'error', error }
// The key is never part of a record.

const DB_NAME = 'imagegate';
const STORE = 'generations';

let dbPromise = null;

function openDB() {
  dbPromise ??= new Promise((resolve, reject) => {
    const req = indexedDB.open(DB_NAME, 1);
    req.onupgradeneeded = () => {
      const store = req.result.createObjectStore(STORE, { keyPath: 'id' });
      store.createIndex('createdAt', 'createdAt');
    };
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
    req.onblocked = () => reject(new Error('the history database is blocked by another tab'));
  });
  dbPromise.catch(() => { dbPromise = null; });  // let a later call try again
  return dbPromise;
}

/** Runs fn(store) in one transaction; resolves with fn's request result once the transaction has committed. */
async function run(mode, fn) {
  const db = await openDB();
  return new Promise((resolve, reject) => {
    // 'strict': the promise resolves only when the data is on disk, because callers show an image only after
    // its record is saved.
    const tx = db.transaction(STORE, mode, { durability: 'strict' });
    const req = fn(tx.objectStore(STORE));
    tx.oncomplete = () => resolve(req?.result);
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error ?? new Error('the history transaction was aborted'));
  });
}

/** Inserts or replaces a record. Resolves after the commit. */
export function saveGeneration(record) {
  return run('readwrite', (store) => store.put(record));
}

/** Every record, newest first. */
export async function listGenerations() {
  const all = await run('readonly', (store) => store.index('createdAt').getAll());
  return all.reverse();
}

export function deleteGeneration(id) {
  return run('readwrite', (store) => store.delete(id));
}

/** Removes every record (Clear all); the caller keeps them in memory for Undo. */
export function clearGenerations() {
  return run('readwrite', (store) => store.clear());
}
