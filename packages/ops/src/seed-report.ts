/** The import's report as lines an operator reads (the JSON form is the SeedReport itself). */
import type { SeedReport } from "./seed-import.js";

const show = (name: string) => JSON.stringify(name);

export function formatSeedReport(r: SeedReport): string[] {
  const lines: string[] = [];
  const add = (line: string) => lines.push(line);
  add(`source ${r.source} (timestamps read as ${r.timeZone})`);
  add(`users: ${r.users.imported} imported, ${r.users.alreadyImported} already imported`);
  if (r.users.renamed.length > 0) {
    add(`  renamed (${r.users.renamed.length}): they sign in with the new name and their old password`);
    for (const x of r.users.renamed)
      add(`    #${x.sourceId} ${show(x.from)} -> ${show(x.to)} (${x.reasons.join(", ")})`);
  }
  for (const x of r.users.unusablePassword)
    add(`  #${x.sourceId} ${show(x.username)}: the stored password is not an argon2 hash; this account cannot sign in`);
  add(`friendships: ${r.friendships.imported} imported, ${r.friendships.alreadyImported} already imported`);
  for (const x of r.friendships.skipped) add(`  skipped ${show(x.user)} - ${show(x.friend)}: ${x.reason}`);
  add(`groups: ${r.groups.imported} imported, ${r.groups.alreadyImported} already imported`);
  for (const x of r.groups.renamed) add(`  group ${x.gid} renamed ${show(x.from)} -> ${show(x.to)}`);
  for (const x of r.groups.disbanded)
    add(
      `  group ${x.gid} had been disbanded: recreated read-only as ${show(x.name)} for the ${x.members} who wrote in it`,
    );
  for (const x of r.groups.ownerReplaced)
    add(`  group ${x.gid}: owner ${show(x.owner)} is unknown; ${show(x.newOwner)} owns it`);
  for (const x of r.groups.membersSkipped) add(`  group ${x.gid}: member ${show(x.username)} skipped (${x.reason})`);
  for (const x of r.groups.skipped) add(`  group ${x.gid} skipped: ${x.reason}`);
  const m = r.messages;
  add(
    `messages: ${m.imported} imported into ${m.conversations} conversations, ${m.alreadyImported} already imported ` +
      "(plaintext history: it was never end-to-end encrypted; imported entries carry clientMsgId seed-import:<old id>)",
  );
  const notes: Array<[number, string]> = [
    [m.dmsWithoutFriendship, "direct conversations between users who are not friends (readable, not writable)"],
    [m.fromNonMembers, "group messages from senders who are not members"],
    [m.split, "texts over 4,000 characters, stored as several consecutive entries"],
    [m.cleaned, "texts with control or unpaired bidi characters removed"],
    [m.badTimestamps, "unreadable timestamps, dated like the entry before"],
    [m.reordered, "timestamps earlier than the entry before, raised to keep the order"],
  ];
  for (const [n, what] of notes) if (n > 0) add(`  ${n} ${what}`);
  for (const x of m.skipped)
    add(`  skipped ${x.count}: ${x.reason} (ids ${x.ids.join(", ")}${x.count > x.ids.length ? ", ..." : ""})`);
  return lines;
}

/** Whether the run wrote anything. */
export const changedAnything = (r: SeedReport): boolean =>
  r.users.imported + r.friendships.imported + r.groups.imported + r.messages.imported > 0;
