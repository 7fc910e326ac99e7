import type { Logger } from "pino";

export interface Runnable {
  start(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Starts a service and stops it on SIGTERM/SIGINT. A failed start exits non-zero; a second signal
 * exits at once.
 */
export async function runUntilSignal(service: Runnable, log: Logger): Promise<void> {
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) process.exit(1);
    stopping = true;
    log.info({ signal }, "stopping");
    service.stop().then(
      () => {
        log.info("stopped");
        process.exit(0);
      },
      (err: unknown) => {
        log.error({ err }, "stop failed");
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
  try {
    await service.start();
  } catch (err) {
    log.fatal({ err }, "start failed");
    process.exit(1);
  }
}
