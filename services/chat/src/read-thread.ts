/**
 * The reader thread's side (read-pool.ts explains why pages are read here): its own read-only
 * connection to the SQLite file, and each request's whole read (access check, rows, senders) in
 * one snapshot transaction on it, answered with the finished reply. Requests are served one at a
 * time: a snapshot's statements are synchronous, so each runs start to COMMIT before the next.
 */
import type { MessagePort } from "node:worker_threads";
import { openSql } from "@sealroom/db/sql";
import { AppError } from "@sealroom/proto/errors";
import { createLogger } from "@sealroom/runtime";
import { createPages, pageJson, type Pages } from "./pages.js";
import type { ReadReply, ReadRequest, ReadWorkerCommand, ReadWorkerData } from "./read-pool.js";

function run(pages: Pages, req: ReadRequest): Promise<unknown> {
  switch (req.op) {
    case "history":
      return pages.history(...req.args);
    case "sync":
      return pages.sync(...req.args);
    case "conversations":
      return pages.conversations(...req.args);
  }
}

const encoder = new TextEncoder();

export function serveReads(port: MessagePort, { url, logLevel }: ReadWorkerData): void {
  const db = openSql(url, { readOnly: true });
  // Lines go to the parent, which logs them as its own (one output stream per process).
  const log = createLogger({
    service: "chat",
    level: logLevel,
    destination: { write: (line: string) => port.postMessage({ log: line } satisfies ReadReply) },
  });
  // The clock is the parent's (tests drive it): each request brings its time.
  let now = 0;
  const pages = createPages({ db, log, clock: () => now });

  port.postMessage({ ready: true } satisfies ReadReply);
  port.on("message", (m: ReadRequest | ReadWorkerCommand) => {
    if (m === "stop") {
      void db.close().finally(() => port.close());
      return;
    }
    now = m.now;
    run(pages, m).then(
      (value) => {
        // A fresh buffer of its own (not Buffer's shared pool), so it can be transferred.
        const json = encoder.encode(pageJson(value));
        port.postMessage({ id: m.id, ok: true, json } satisfies ReadReply, [json.buffer]);
      },
      (err: unknown) => {
        if (!(err instanceof AppError)) log.error({ err }, "chat page read failed");
        const error = err instanceof AppError ? err.toJSON() : null;
        port.postMessage({ id: m.id, ok: false, error } satisfies ReadReply);
      },
    );
  });
}
