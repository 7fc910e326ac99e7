/**
 * Where attachment chunks are kept: a small interface (put, get, stat, delete a chunk) so that
 * an S3-compatible store can be added beside the one implementation here, NATS JetStream's object
 * store, which every Sealroom deployment already runs (`npm start`'s embedded nats-server and
 * compose's run with JetStream on). The chunks arrive sealed (AES-256-GCM on the device): the store
 * never sees a key or a plaintext byte.
 *
 * One object per chunk, named `<blobId>.<index>`: a chunk is stored when it arrives (an upload
 * resumes where it stopped, and a chunk sent twice replaces itself), and a download reads one
 * chunk per command. The object store checks each object's SHA-256 on the way out.
 */
import { Objm, type ObjectStore } from "@nats-io/obj";
import { AppError } from "@sealroom/proto/errors";
import type { Logger, NatsConnection } from "@sealroom/runtime";

export interface BlobStore {
  putChunk(blobId: string, index: number, sealed: Uint8Array): Promise<void>;
  /** The chunk, or undefined if it is not stored. */
  getChunk(blobId: string, index: number): Promise<Uint8Array | undefined>;
  /** The chunk's size in bytes, or undefined if it is not stored. */
  statChunk(blobId: string, index: number): Promise<number | undefined>;
  /** Deletes chunks 0..chunks-1 of a blob (those not stored are skipped). */
  deleteBlob(blobId: string, chunks: number): Promise<void>;
  /** Bytes the store holds, all blobs together (for the benchmark and operators). */
  bytes(): Promise<number>;
}

export interface ObjectBlobStoreOptions {
  bucket: string;
  /** 1 on one nats-server; 3 on a JetStream cluster. */
  replicas: number;
}

const nameOf = (blobId: string, index: number) => `${blobId}.${index}`;

/** Opens (creating if needed) the object store bucket on `nc`'s JetStream. */
export async function openObjectBlobStore(nc: NatsConnection, opts: ObjectBlobStoreOptions): Promise<BlobStore> {
  const os: ObjectStore = await new Objm(nc).create(opts.bucket, { storage: "file", replicas: opts.replicas });
  return {
    async putChunk(blobId, index, sealed) {
      await os.putBlob({ name: nameOf(blobId, index) }, sealed);
    },
    async getChunk(blobId, index) {
      return (await os.getBlob(nameOf(blobId, index))) ?? undefined;
    },
    async statChunk(blobId, index) {
      const info = await os.info(nameOf(blobId, index));
      return info && !info.deleted ? info.size : undefined;
    },
    async deleteBlob(blobId, chunks) {
      for (let i = 0; i < chunks; i++) await os.delete(nameOf(blobId, i));
    },
    async bytes() {
      return (await os.status()).size;
    },
  };
}

/**
 * The object store opened on first use, and again after a failure: the chat service starts (and
 * serves every other command) on a nats-server without JetStream, or a JetStream cluster still
 * electing its leader; blob commands then answer UNAVAILABLE, and work as soon as JetStream is there.
 */
export function lazyBlobStore(open: () => Promise<BlobStore>, log: Pick<Logger, "error">): BlobStore {
  let opening: Promise<BlobStore> | undefined;
  const store = async (): Promise<BlobStore> => {
    opening ??= open().catch((err: unknown) => {
      opening = undefined;
      log.error({ err }, "the attachments' object store cannot be opened (is JetStream on?)");
      throw new AppError("UNAVAILABLE", "Attachments are not available on this server right now.");
    });
    return opening;
  };
  return {
    putChunk: async (blobId, index, sealed) => (await store()).putChunk(blobId, index, sealed),
    getChunk: async (blobId, index) => (await store()).getChunk(blobId, index),
    statChunk: async (blobId, index) => (await store()).statChunk(blobId, index),
    deleteBlob: async (blobId, chunks) => (await store()).deleteBlob(blobId, chunks),
    bytes: async () => (await store()).bytes(),
  };
}
