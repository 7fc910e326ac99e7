/** The human side of a report: console tables and an SVG of latency percentiles against offered load. */
import type { BenchReport, ScenarioResult, Step } from "./types.js";

const short: Record<string, string> = { gateway: "gw", "nats-server": "nats", generator: "gen" };

export function stepRow(s: Step): Record<string, string | number> {
  const cpu = Object.entries(s.cpuUsPerMsg)
    .filter(([, v]) => v >= 0.5)
    .map(([k, v]) => `${short[k] ?? k} ${Math.round(v)}`)
    .join(" ");
  const el = Object.entries(s.eventLoopP99Ms)
    .map(([k, v]) => `${short[k] ?? k} ${v}`)
    .join(" ");
  return {
    step: s.label,
    offered: s.offered,
    achieved: s.achieved,
    "reach %": s.reach,
    dup: s.duplicates,
    ooo: s.outOfOrder,
    "err/to": `${s.errors}/${s.timeouts}`,
    p50: s.latencyMs.p50,
    p95: s.latencyMs.p95,
    p99: s.latencyMs.p99,
    max: s.latencyMs.max,
    "cpu µs/msg": cpu,
    "EL p99 ms": el,
    load: s.load1,
    ok: s.pass ? "pass" : "FAIL",
  };
}

export function printScenario(r: ScenarioResult, print: (line: string) => void = console.log): void {
  const run = r.runs[r.medianRun]!;
  print(`\n${r.id.toUpperCase()} ${r.title} — target: ${r.target}`);
  print(`  ${r.verdict.met ? "MET" : "MISSED"}: ${r.verdict.detail} (median of ${r.runs.length} run(s))`);
  console.table(run.steps.map(stepRow));
  const extras = run.steps.filter((s) => s.extra);
  for (const s of extras) print(`  ${s.label}: ${JSON.stringify(s.extra)}`);
  print(`  summary: ${JSON.stringify(run.summary)}`);
  if (r.baseline) {
    const b = r.baseline.runs[r.baseline.medianRun]!;
    print(`  BASELINE ${r.baseline.label}, runs alternated with the above: ${r.baseline.verdict.detail}`);
    console.table(b.steps.map(stepRow));
    print(`  baseline summary: ${JSON.stringify(b.summary)}`);
  }
}

export function printHeader(rep: BenchReport, print: (line: string) => void = console.log): void {
  print(
    `Sealroom benchmark — commit ${rep.commit}, node ${rep.node}, ${rep.cores} cores (${rep.cpuModel}), database ${rep.options.engine}, load average ${rep.loadAverageStart.join(" ")}`,
  );
}

const COLORS = { p50: "#2b8a3e", p95: "#e67700", p99: "#c92a2a" } as const;

/**
 * Latency percentiles (log scale) against offered load, one line per percentile, for every
 * scenario with more than one step; the threshold is drawn as a dashed line.
 */
export function latencyChart(rep: BenchReport): string {
  // S3's group sizes are separate curves: one panel each.
  const panels = rep.scenarios
    .flatMap((r) => {
      const steps = r.runs[r.medianRun]?.steps ?? [];
      const sizes = [...new Set(steps.map((s) => s.extra?.groupSize))];
      return sizes.map((n) => ({
        r,
        steps: steps.filter((s) => s.extra?.groupSize === n),
        sub: n === undefined ? "" : ` (N=${n})`,
      }));
    })
    .filter((p) => p.steps.length > 1);
  const W = 520;
  const H = 300;
  const cols = Math.min(2, Math.max(1, panels.length));
  const rows = Math.ceil(panels.length / cols);
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${cols * W}" height="${rows * H + 40}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="10" y="20" font-size="14" font-weight="bold">Sealroom: latency (scheduled send to receipt) vs offered load — ${esc(rep.commit)}, ${rep.cores} cores, node ${esc(rep.node)}, load avg ${rep.loadAverageStart[0]}</text>`,
  );
  panels.forEach(({ r, steps, sub }, i) => {
    const ox = (i % cols) * W;
    const oy = 40 + Math.floor(i / cols) * H;
    out.push(panel(r, steps, sub, ox, oy, W, H));
  });
  out.push("</svg>");
  return out.join("\n");
}

function panel(r: ScenarioResult, steps: Step[], sub: string, ox: number, oy: number, W: number, H: number): string {
  const L = 60;
  const R = 20;
  const T = 30;
  const B = 45;
  const xs = steps.map((s) => s.offered);
  const xMin = Math.min(...xs);
  const xMax = Math.max(...xs);
  const lat = steps
    .flatMap((s) => [s.latencyMs.p50, s.latencyMs.p95, s.latencyMs.p99])
    .filter((v) => Number.isFinite(v) && v > 0);
  const yMin = Math.max(0.1, Math.min(...lat) / 1.5);
  const yMax = Math.max(60, ...lat) * 1.5;
  const x = (v: number) => ox + L + (xMax === xMin ? 0.5 : (v - xMin) / (xMax - xMin)) * (W - L - R);
  const y = (v: number) =>
    oy +
    T +
    (1 - (Math.log10(Math.max(v, yMin)) - Math.log10(yMin)) / (Math.log10(yMax) - Math.log10(yMin))) * (H - T - B);
  const parts: string[] = [];
  parts.push(
    `<text x="${ox + L}" y="${oy + 16}" font-weight="bold">${esc(`${r.id.toUpperCase()}${sub} ${r.title}`)}</text>`,
  );
  parts.push(
    `<rect x="${ox + L}" y="${oy + T}" width="${W - L - R}" height="${H - T - B}" fill="none" stroke="#999"/>`,
  );
  for (let d = Math.ceil(Math.log10(yMin)); d <= Math.floor(Math.log10(yMax)); d++) {
    for (const m of [1, 2, 5]) {
      const v = m * 10 ** d;
      if (v < yMin || v > yMax) continue;
      parts.push(`<line x1="${ox + L}" x2="${ox + W - R}" y1="${y(v)}" y2="${y(v)}" stroke="#eee"/>`);
      parts.push(`<text x="${ox + L - 4}" y="${y(v) + 4}" text-anchor="end">${v}</text>`);
    }
  }
  const limit = r.id === "s6" ? 20 : sub.includes("1000") ? 150 : 50;
  parts.push(
    `<line x1="${ox + L}" x2="${ox + W - R}" y1="${y(limit)}" y2="${y(limit)}" stroke="#c92a2a" stroke-dasharray="4 3"/>`,
  );
  parts.push(
    `<text x="${ox + W - R - 2}" y="${y(limit) - 3}" text-anchor="end" fill="#c92a2a">p99 limit ${limit} ms</text>`,
  );
  for (const s of steps) {
    parts.push(`<text x="${x(s.offered)}" y="${oy + H - B + 14}" text-anchor="middle">${s.offered}</text>`);
    if (!s.pass)
      parts.push(`<text x="${x(s.offered)}" y="${oy + H - B - 4}" text-anchor="middle" fill="#c92a2a">✗</text>`);
  }
  parts.push(
    `<text x="${ox + L + (W - L - R) / 2}" y="${oy + H - 12}" text-anchor="middle">offered ${esc(steps[0]!.unit)} (✗: a threshold broke at that step)</text>`,
  );
  parts.push(
    `<text transform="translate(${ox + 14},${oy + T + (H - T - B) / 2}) rotate(-90)" text-anchor="middle">latency ms (log)</text>`,
  );
  (Object.keys(COLORS) as Array<keyof typeof COLORS>).forEach((k, j) => {
    const pts = steps
      .filter((s) => Number.isFinite(s.latencyMs[k]))
      .map((s) => `${x(s.offered).toFixed(1)},${y(s.latencyMs[k]).toFixed(1)}`);
    parts.push(`<polyline fill="none" stroke="${COLORS[k]}" stroke-width="2" points="${pts.join(" ")}"/>`);
    for (const p of pts) {
      const [px, py] = p.split(",");
      parts.push(`<circle cx="${px}" cy="${py}" r="2.5" fill="${COLORS[k]}"/>`);
    }
    parts.push(
      `<text x="${ox + L + 8 + j * 45}" y="${oy + T + 14}" fill="${COLORS[k]}" font-weight="bold">${k}</text>`,
    );
  });
  return parts.join("\n");
}

const esc = (s: string) => s.replace(/[<>&"]/g, (c) => `&#${c.charCodeAt(0)};`);
