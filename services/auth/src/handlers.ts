/** The auth commands. Each handler gets the gateway-stamped context and a validated body. */
import { checkSignInName, checkUsername, normalizePassword, usernameKey } from "@sealroom/proto/auth";
import { AppError } from "@sealroom/proto/errors";
import type { BACKUP_AUTH_COMMANDS } from "@sealroom/proto/backup";
import type { KEYS_COMMANDS } from "@sealroom/proto/keys";
import type { RequestContext } from "@sealroom/proto/envelope";
import type { Handlers, Logger } from "@sealroom/runtime";
import type { Accounts } from "./accounts.js";
import type { AuthConfig } from "./config.js";
import { checkCredentials, type CredentialDeps } from "./credentials.js";
import { addressKey } from "./address.js";
import { fingerprint } from "./clock.js";
import type { Claim, PasswordHasher } from "./hasher.js";
import type { PublishRevoked } from "./revocations.js";
import type { Sessions } from "./sessions.js";
import { reservedSkeleton } from "./skeleton.js";
import type { Throttle } from "./throttle.js";

export interface HandlerDeps extends CredentialDeps {
  hasher: PasswordHasher;
  throttle: Throttle;
  accounts: Accounts;
  sessions: Sessions;
  publish: PublishRevoked;
  config: AuthConfig;
  log: Logger;
}

/**
 * A request's claim on the hash queue, taken on arrival: the gateway answers TIMEOUT
 * `commandTimeoutMs` after sending it, so work still queued by then is dropped.
 */
function claim(config: AuthConfig, ctx: RequestContext, account?: string): Claim {
  return { address: addressKey(ctx.ip), account, deadline: performance.now() + config.commandTimeoutMs };
}

const MIXED_SCRIPTS = "Use the letters of one writing system (Latin may go with Chinese, Japanese or Korean).";

const sessionEnded = () => new AppError("NOT_AUTHENTICATED", "This session has ended. Sign in again.");

/** The account and session commands; the key directory's are in key-handlers.ts. */
export function createHandlers(
  deps: HandlerDeps,
): Omit<Handlers<"auth">, keyof typeof KEYS_COMMANDS | keyof typeof BACKUP_AUTH_COMMANDS> {
  const { hasher, throttle, accounts, sessions, publish, config, log } = deps;

  /** USERNAME_TAKEN, saying so when it is a look-alike (the same skeleton) that holds the name. */
  const taken = async (key: string) =>
    (await accounts.findByKey(key))
      ? new AppError("USERNAME_TAKEN")
      : new AppError("USERNAME_TAKEN", "That username is taken, or looks too much like one that is.");

  return {
    async "auth.register"(ctx, body) {
      const name = checkUsername(body.username);
      if (!name.ok) throw new AppError("USERNAME_INVALID", name.reason === "script" ? MIXED_SCRIPTS : undefined);
      const password = normalizePassword(body.password);
      if (password === undefined) throw new AppError("PASSWORD_INVALID");
      const skeleton = reservedSkeleton(name.username);
      const user = await hasher.admit(claim(config, ctx), async (slot) => {
        await throttle.takeRegistration(ctx.ip);
        // Saves a hash in the common case; the unique indexes (key, skeleton) decide races.
        if (await accounts.nameTaken(name.key, skeleton)) throw await taken(name.key);
        const passwordHash = await slot.withSlot((ops) => ops.hash(password));
        return accounts.create({
          username: name.username,
          usernameKey: name.key,
          usernameSkeleton: skeleton,
          passwordHash,
        });
      });
      if (!user) throw await taken(name.key);
      const session = await sessions.open(user.id);
      log.info({ userId: user.id, ip: ctx.ip }, "registered");
      return { user, ...session };
    },

    async "auth.login"(ctx, body) {
      // Names registered before the script rules (checkUsername) still sign in.
      const name = checkSignInName(body.username);
      // A name outside the policy has no account, but is throttled like any other name.
      const key = name.ok ? name.key : usernameKey(body.username);
      const user = await hasher.admit(claim(config, ctx, `u:${key}`), (slot) =>
        checkCredentials(deps, {
          usernameKey: key,
          password: body.password,
          ip: ctx.ip,
          lookup: () => (name.ok ? accounts.findByKey(key) : Promise.resolve(null)),
          rehash: true,
          slot,
        }),
      );
      const session = await sessions.open(user.id, user.passwordHash);
      log.info({ userId: user.id, ip: ctx.ip }, "signed in");
      return { user: { id: user.id, username: user.username }, ...session };
    },

    async "auth.resume"(ctx, body) {
      const grant = await sessions.resume(body.ticket);
      log.debug({ userId: grant.user.id, ip: ctx.ip }, "resumed");
      return grant;
    },

    async "auth.renewTicket"(ctx) {
      const { userId, sessionId } = ctx;
      const grant = await sessions.renew(userId, sessionId);
      if (!grant) throw sessionEnded();
      return grant;
    },

    async "auth.changePassword"(ctx, body) {
      const { userId, sessionId } = ctx;
      const newPassword = normalizePassword(body.newPassword);
      if (newPassword === undefined) throw new AppError("PASSWORD_INVALID");
      const { user, newHash } = await hasher.admit(claim(config, ctx, `id:${userId}`), async (slot) => {
        const session = await sessions.active(userId, sessionId);
        if (!session) throw sessionEnded();
        const user = await checkCredentials(deps, {
          usernameKey: session.user.usernameKey,
          password: body.currentPassword,
          ip: ctx.ip,
          lookup: async () => session.user,
          rehash: false,
          slot,
        });
        return { user, newHash: await slot.withSlot((ops) => ops.hash(newPassword)) };
      });
      const changed = await accounts.changePassword({
        userId,
        sessionId,
        oldHash: user.passwordHash,
        newHash,
        sessionTtlMs: config.sessionTtlMs,
        ticketTtlMs: config.ticketTtlMs,
      });
      if (changed === "password-changed-meanwhile") {
        throw new AppError("CONFLICT", "The password was changed meanwhile. Sign in again.");
      }
      if (changed === "session-ended") throw sessionEnded();
      // Every socket of the user but this connection, which the gateway moves to the new session
      // when it sees this reply (services/gateway connection.ts).
      publish({ userId, exceptConn: { gatewayId: ctx.gatewayId, connId: ctx.connId } });
      log.info({ userId, session: fingerprint(changed.sessionId) }, "password changed; every other socket signed out");
      return changed;
    },

    async "auth.logout"(ctx, body) {
      const { userId, sessionId } = ctx;
      if (body.everywhere) {
        // Only a live session may end all the others.
        if (!(await sessions.active(userId, sessionId))) throw sessionEnded();
        await sessions.revoke(userId);
      } else {
        await sessions.revoke(userId, sessionId);
      }
      log.info({ userId, everywhere: body.everywhere }, "signed out");
      return {};
    },
  };
}
