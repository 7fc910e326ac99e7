/**
 * A chat.db of the original chat room (its schema verbatim) with every quirk docs/SEED-IMPORT.md
 * lists, for the import and copy tests.
 */
import argon2 from "argon2";
import Database from "better-sqlite3";

/** Hashes as argon2-cffi's PasswordHasher() wrote them (its documentation's examples): today's defaults, older defaults, and the argon2i of its first releases. */
export const CFFI_DEFAULTS = {
  hash: "$argon2id$v=19$m=65536,t=3,p=4$MIIRqgvgQbgj220jfp0MPA$YfwJSVjtjSU0zzV/P3S9nnQ/USre2wvJMjfCIjrTQbg",
  password: "correct horse battery staple",
};
export const CFFI_OLD = {
  hash: "$argon2id$v=19$m=102400,t=2,p=8$tSm+JOWigOgPZx/g44K5fQ$WDyus6py50bVFIPkjA28lQ",
  password: "s3kr3tp4ssw0rd",
};
export const CFFI_ARGON2I = {
  hash: "$argon2i$v=19$m=512,t=2,p=2$5VtWOO3cGWYQHEMaYGbsfQ$AcmqasQgW/wI6wAHAMk4aQ",
  password: "s3kr3tp4ssw0rd",
};

export const G_TEAM = "0f8c3a52-6a4e-4d0c-9d55-3f1f7a1e0001";
export const G_BIDI = "0f8c3a52-6a4e-4d0c-9d55-3f1f7a1e0002";
export const G_HEIR = "0f8c3a52-6a4e-4d0c-9d55-3f1f7a1e0003";
export const G_BADJSON = "0f8c3a52-6a4e-4d0c-9d55-3f1f7a1e0004";
export const G_NOBODY = "0f8c3a52-6a4e-4d0c-9d55-3f1f7a1e0005";
export const G_DISBANDED = "deadbeef-6a4e-4d0c-9d55-3f1f7a1e0006";
const LONG = "x".repeat(4500);

/** The original chat room's schema, verbatim. */
const SCHEMA = `
CREATE TABLE users (id INTEGER PRIMARY KEY AUTOINCREMENT, username TEXT UNIQUE NOT NULL, password TEXT NOT NULL);
CREATE TABLE messages (id INTEGER PRIMARY KEY AUTOINCREMENT, chat_type TEXT NOT NULL, from_user TEXT NOT NULL,
  to_user TEXT, gid TEXT, message TEXT NOT NULL, timestamp TEXT NOT NULL);
CREATE TABLE friends (user TEXT NOT NULL, friend TEXT NOT NULL, UNIQUE(user, friend));
CREATE TABLE groups (gid TEXT PRIMARY KEY, group_name TEXT NOT NULL, owner TEXT NOT NULL, members TEXT NOT NULL,
  created_at TEXT NOT NULL);
`;

export const cheap = (password: string) =>
  argon2.hash(password, { type: argon2.argon2id, memoryCost: 1024, timeCost: 1, parallelism: 1 });

export async function writeSource(file: string): Promise<void> {
  const db = new Database(file);
  db.exec(SCHEMA);
  const user = db.prepare(`INSERT INTO users (username, password) VALUES (?, ?)`);
  user.run("alice", CFFI_DEFAULTS.hash); // 1
  user.run("Alice", CFFI_OLD.hash); // 2: alice but for case
  user.run("bob smith", await cheap("bob password")); // 3: a space
  user.run(" carol ", await cheap("carol password")); // 4: not trimmed
  user.run("ａｌｉｃｅ", await cheap("wide password")); // 5: full-width, NFKC "alice"
  user.run("cocoa", await cheap("cocoa password")); // 6
  user.run("сосоа", await cheap("cyrillic password")); // 7: Cyrillic look-alike of cocoa
  user.run("pаypal", await cheap("mixed password")); // 8: Cyrillic а among Latin letters
  user.run("!!", await cheap("bang password")); // 9: nothing usable
  user.run("dave:)", await cheap("dave password")); // 10: symbols
  user.run("erin", CFFI_ARGON2I.hash); // 11: argon2i
  user.run("Frank", await cheap("frank password")); // 12: "frank" exists in Sealroom already
  user.run("gr\u200Bace", await cheap("grace password")); // 13: a zero-width space
  user.run("mallory", "hunter2"); // 14: no hash at all
  user.run("dave", await cheap("plain dave password")); // 15: keeps the name "dave:)" cleans to

  const friend = db.prepare(`INSERT INTO friends (user, friend) VALUES (?, ?)`);
  friend.run("alice", "bob smith");
  friend.run("bob smith", "alice");
  friend.run(" carol ", "erin");
  friend.run("erin", " carol ");
  friend.run("alice", " carol "); // one-sided: the reverse row was deleted by hand
  friend.run("alice", "ghost"); // a user who does not exist
  friend.run("ghost", "alice");
  friend.run("dave:)", "dave:)"); // oneself

  const group = db.prepare(`INSERT INTO groups VALUES (?, ?, ?, ?, ?)`);
  group.run(
    G_TEAM,
    "Team 🚀",
    "alice",
    JSON.stringify(["alice", "bob smith", " carol ", "ghost"]),
    "2024-01-02 10:00:00",
  );
  group.run(
    G_BIDI,
    `evil\u202Egnp.exe ${"y".repeat(100)}`,
    "bob smith",
    JSON.stringify(["bob smith"]),
    "2024-01-03 10:00:00",
  );
  group.run(G_HEIR, "Heirs", "ghost2", JSON.stringify(["ghost2", "dave:)", "erin"]), "2024-01-04 10:00:00");
  group.run(G_BADJSON, "Broken", "erin", "erin, carol", "2024-01-05 10:00:00");
  group.run(G_NOBODY, "Empty", "nobody", JSON.stringify(["nobody"]), "2024-01-06 10:00:00");

  const msg = db.prepare(
    `INSERT INTO messages (chat_type, from_user, to_user, gid, message, timestamp) VALUES (?, ?, ?, ?, ?, ?)`,
  );
  // Europe/Berlin moved from +01:00 to +02:00 at 02:00 on 2024-03-31.
  msg.run("private", "alice", "bob smith", null, "hi bob", "2024-03-31 01:30:00"); // 1
  msg.run("private", "bob smith", "alice", "", "hi alice", "2024-03-31 03:10:00"); // 2: gid '' (Go twin)
  msg.run("group", "alice", null, G_TEAM, "team, hello", "2024-03-31 09:00:00"); // 3
  msg.run("group", "bob smith", "", G_TEAM, "hello from bob", "2024-03-31 09:01:00"); // 4: to_user '' (Go twin)
  msg.run("private", "alice", " carol ", null, "we are not friends", "2024-04-01 10:00:00"); // 5
  msg.run("private", "alice", "ghost", null, "to nobody", "2024-04-01 10:01:00"); // 6: unknown recipient
  msg.run("private", "ghost", "alice", null, "from nobody", "2024-04-01 10:02:00"); // 7: unknown sender
  msg.run("private", "alice", "", null, "no recipient", "2024-04-01 10:03:00"); // 8
  msg.run("private", "alice", "bob smith", null, LONG, "2024-04-01 11:00:00"); // 9: split in two
  msg.run("private", "bob smith", "alice", null, "bell\u0007 and \u202Eoverride", "2024-04-01 11:01:00"); // 10
  msg.run("private", "alice", "bob smith", null, "   \u200B ", "2024-04-01 11:02:00"); // 11: blank
  msg.run("private", "alice", "bob smith", null, "when?", "yesterday"); // 12: unreadable time
  msg.run("private", "bob smith", "alice", null, "clock set back", "2024-04-01 09:00:00"); // 13: earlier
  msg.run("group", "alice", null, G_DISBANDED, "in a disbanded group", "2024-02-01 08:00:00"); // 14
  msg.run("group", "bob smith", null, G_DISBANDED, "still here", "2024-02-01 08:05:00"); // 15
  msg.run("group", "erin", null, G_TEAM, "not a member", "2024-04-02 09:00:00"); // 16
  msg.run("broadcast", "alice", null, null, "??", "2024-04-02 09:01:00"); // 17
  msg.run("group", "alice", null, "", "no gid", "2024-04-02 09:02:00"); // 18
  msg.run("group", "alice", null, G_NOBODY, "nobody reads this", "2024-04-02 09:03:00"); // 19
  msg.run("private", "alice", "alice", null, "note to self", "2024-04-02 09:04:00"); // 20
  msg.run("group", "dave:)", null, G_HEIR, "dave here", "2024-04-03 09:00:00"); // 21
  db.close();
}
