#!/usr/bin/env node
/**
 * npm run bench:search -w @sealroom/bench [-- --messages N] [--queries N]
 *
 * The SDK's on-device search index (packages/sdk/src/search, docs/SEARCH.md) at a device's
 * lifetime of messages: indexes N (default 100,000) generated messages, half English and half
 * Chinese, over 50 conversations and 20 senders, through the index's own `put` (tokenising
 * included); then times queries of several kinds, each run `--queries` times in a shuffled order
 * (English words, an unfinished word, two words, Chinese pairs, a longer Chinese phrase, one Chinese
 * character, a word with the conversation filter, with the sender and date filters), and the
 * round trip a device does at every start (the index to its plain object and JSON, and back).
 * `matches` with a +: the newest-first search stopped reading older shards once it had its 50 hits
 * (message-index.ts); that many were counted.
 *
 * Words follow a Zipf distribution over a vocabulary (English: 3,000 made-up words beside 200
 * common ones; Chinese: 800 characters), so some queries match tens of thousands of messages (the
 * worst case for the newest-first sort) and others a handful. Deterministic (a seeded generator).
 */
import { parseArgs } from "node:util";
import { MessageIndex, type SearchOptions } from "@sealroom/sdk/node";

const { values } = parseArgs({ options: { messages: { type: "string" }, queries: { type: "string" } } });
const N = Number(values.messages ?? 100_000);
const REPS = Number(values.queries ?? 200);

/** mulberry32: a small seeded generator, so every run indexes the same messages. */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const random = rng(17);

const COMMON =
  "the be to of and a in that have i it for not on with he as you do at this but his by from they we say her she or an will my one all would there their what so up out if about who get which go me when make can like time no just him know take people into year your good some could them see other than then now look only come its over think also back after use two how our work first well way even new want because any these give day most us meeting report weather station tomorrow dinner lunch coffee project deadline train flight hotel photo music movie game party birthday holiday weekend morning evening night office team plan idea question answer problem update release server database search index message friend family school student teacher doctor city park river mountain beach island market price money bank card phone email address ticket airport taxi bus car bike road street map city".split(
    " ",
  );
const SYLLABLES = "ka ri to me su la no vi ra de po ni lu se mo ta qu ze fi ba".split(" ");
const MADE_UP = Array.from({ length: 3000 }, (_, i) => {
  let w = "";
  for (let n = i + 7; n > 0; n = Math.floor(n / SYLLABLES.length)) w += SYLLABLES[n % SYLLABLES.length];
  return w;
});
const ENGLISH = [...COMMON, ...MADE_UP];
const CHINESE = [
  ..."的一是不了人我在有他这中大来上国个到说们为子和你地出道也时年得就那要下以生会自着去之过家学对可她里后小么心多天而能好都然没日于起还发成事只作当想看文无开手十用主行方又如前所本见经头面公同三已老从动两长知民样现分将外但身些与高意进把法此实回二理美点月明其种声全工己话儿者向情部正名定女问力机给等几很业最间新什打便位因重被走电四第门相次东政海口使教西再平真听世气信北少关并内加化由却代军产入先山五太水万市眼体别处总才场师书比住员九笑性通目华报立马命张活难神数件安表原车白应路期叫死常提感金何更反合放做系计或司利受光王果亲界及今京务制解各任至清物台象记边共风战干接它许八特觉望直服毛林题建南度统色字请交爱让认算论百吃义科怎元社术结六功指思非流每青管夫连远资队跟带花快条院变联言权往展该领传近留红治决周保达办运武半候七必城父强步完革深区即求品士转量空甚众技轻程告江语英基派满式李息写呢识极令黄德收脸钱党倒未持取设始版双历越史商千片容研像找友孩站广改议形委早房音火际则首单据导影失拿网香似斯专石若兵弟谁校读志飞观争究包组造落视济喜离虽坐集编宝谈府拉黑且随格尽剑讲布杀微怕母调局根曾准团段终乐切级克精哪官示冷域推推助升配项整费众恐注妈室准备会议报告天气明天公园车站午饭咖啡项目火车飞机酒店照片音乐电影游戏生日周末早上晚上办公室朋友家庭学校学生老师医生城市河山海滩市场价格银行手机邮件地址机场出租车公交自行车地图",
];
// Duplicates (the phrase tail repeats common characters) only raise those characters' frequency.

/** A Zipf-like pick: index k with weight 1/(k+1). */
function zipf(n: number): number {
  // Inverse of the continuous approximation: ln(n+1) * u.
  return Math.min(n - 1, Math.floor(Math.exp(random() * Math.log(n + 1)) - 1));
}

function english(): string {
  const words = 4 + Math.floor(random() * 14);
  const out: string[] = [];
  for (let i = 0; i < words; i++) out.push(ENGLISH[zipf(ENGLISH.length)]!);
  return `${out.join(" ")}.`;
}
function chinese(): string {
  const chars = 6 + Math.floor(random() * 24);
  let out = "";
  for (let i = 0; i < chars; i++) out += CHINESE[zipf(CHINESE.length)]!;
  return `${out}。`;
}

const T0 = Date.UTC(2025, 0, 1);
const messages = Array.from({ length: N }, (_, i) => ({
  conversationId: `g:${1 + (i % 50)}`,
  seq: 1 + Math.floor(i / 50),
  senderId: 1 + Math.floor(random() * 20),
  ts: T0 + i * 60_000,
  text: i % 2 === 0 ? english() : chinese(),
}));
const chars = messages.reduce((n, m) => n + m.text.length, 0);

const index = MessageIndex.empty();
const t0 = performance.now();
for (const m of messages) index.put(m);
const indexMs = performance.now() - t0;

const heap = process.memoryUsage().heapUsed;
// What a device does at a save (toJSON: IndexedDB stores that object; Node writes its JSON) and at
// every start (parse, then the tree rebuilt: loadAsync, as LocalSearch does).
const s0 = performance.now();
const plain = index.toJSON();
const toJsonMs = performance.now() - s0;
const json = JSON.stringify(plain);
const stringifyMs = performance.now() - s0 - toJsonMs;
// A save after one more message: only the shard it went to is made again (message-index.ts).
index.put({ conversationId: "g:1", seq: 999_999, senderId: 1, ts: T0 + N * 60_000, text: "one more message" });
const o0 = performance.now();
index.toJSON();
const toJsonOneMs = performance.now() - o0;
const l0 = performance.now();
const loaded = await MessageIndex.loadAsync(JSON.parse(json));
const loadMs = performance.now() - l0;
if (loaded.size !== index.size - 1) throw new Error("the reloaded index differs");

const kinds: Array<{ name: string; query: string; opts?: SearchOptions }> = [
  { name: "most common word", query: "the" },
  { name: "common English word", query: "meeting" },
  { name: "rare made-up word", query: MADE_UP[2500]! },
  { name: "two English words", query: "weather tomorrow" },
  { name: "unfinished word (prefix)", query: "tomor" },
  { name: "Chinese pair", query: "天气" },
  { name: "Chinese phrase (4 chars)", query: "会议报告" },
  { name: "one Chinese character (prefix)", query: "明" },
  { name: "word, one conversation", query: "meeting", opts: { conversationId: "g:7" } },
  {
    name: "word, sender + 30 days",
    query: "report",
    opts: { senderId: 3, from: T0 + 10 * 86_400_000, to: T0 + 40 * 86_400_000 },
  },
];
// Warm-up, then every kind REPS times in a shuffled order (no kind profits from a warm cache).
for (const k of kinds) index.search(k.query, k.opts);
const order = kinds.flatMap((k) => Array.from({ length: REPS }, () => k));
for (let i = order.length - 1; i > 0; i--) {
  const j = Math.floor(random() * (i + 1));
  [order[i], order[j]] = [order[j]!, order[i]!];
}
const times = new Map<string, number[]>(kinds.map((k) => [k.name, []]));
const totals = new Map<string, string>();
for (const k of order) {
  const q0 = performance.now();
  const r = index.search(k.query, k.opts);
  times.get(k.name)!.push(performance.now() - q0);
  totals.set(k.name, `${r.total}${r.exact ? "" : "+"}`);
}
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
};
const fmt = (ms: number) => ms.toFixed(2).padStart(8);

console.log(
  `search index: ${N.toLocaleString("en")} messages (${chars.toLocaleString("en")} characters, half Chinese)`,
);
console.log(
  `  indexing       ${(indexMs / 1000).toFixed(2)} s (${Math.round(N / (indexMs / 1000)).toLocaleString("en")} messages/s)`,
);
console.log(`  heap after     ${(heap / 2 ** 20).toFixed(0)} MiB (whole process)`);
const mib = (json.length / 2 ** 20).toFixed(1);
console.log(`  save: toJSON ${toJsonMs.toFixed(0)} ms, JSON.stringify ${stringifyMs.toFixed(0)} ms (${mib} MiB)`);
console.log(`  save after one more message: toJSON ${toJsonOneMs.toFixed(0)} ms (one shard made again)`);
console.log(`  load: JSON.parse + loadAsync ${loadMs.toFixed(0)} ms`);
console.log(`  queries, ${REPS} each (ms):`);
console.log(
  `  ${"kind".padEnd(32)} ${"matches".padStart(8)} ${"median".padStart(8)} ${"p99".padStart(8)} ${"max".padStart(8)}`,
);
const all: number[] = [];
for (const k of kinds) {
  const xs = times.get(k.name)!;
  all.push(...xs);
  console.log(
    `  ${k.name.padEnd(32)} ${(totals.get(k.name) ?? "").padStart(8)} ${fmt(pct(xs, 50))} ${fmt(pct(xs, 99))} ${fmt(Math.max(...xs))}`,
  );
}
console.log(
  `  ${"all queries".padEnd(32)} ${"".padStart(8)} ${fmt(pct(all, 50))} ${fmt(pct(all, 99))} ${fmt(Math.max(...all))}`,
);
const p99 = pct(all, 99);
console.log(
  `  target: a query within 50 ms at 100,000 messages: p99 ${p99.toFixed(1)} ms ${p99 <= 50 ? "(met)" : "(MISSED)"}`,
);
