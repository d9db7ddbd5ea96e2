// Shared pieces of the benchmark scripts: the machine description, the markdown table and the
// one place that rewrites a delimited section of docs/benchmarks.md. Several scripts (and
// people) write into that file, so each owns a section between `<!-- name:start -->` and
// `<!-- name:end -->` markers and replaces only that.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BENCHMARKS_DOC = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'docs', 'benchmarks.md');

export interface MachineInfo {
  date: string;
  cores: number;
  cpuModel: string;
  memoryGiB: number;
  node: string;
  platform: string;
}

export function machineInfo(): MachineInfo {
  const cpuList = cpus();
  return {
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    cores: cpuList.length,
    cpuModel: cpuList[0]?.model.trim() ?? 'unknown',
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
  };
}

export function describeMachine(m: MachineInfo): string {
  return `${m.date} · ${m.cores} cores (${m.cpuModel}) · ${m.memoryGiB} GiB RAM · Node ${m.node} · ${m.platform}`;
}

/** A GitHub-flavoured markdown table; `|` inside cells is escaped. */
export function markdownTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const cell = (text: string) => text.replace(/\|/g, '\\|');
  const line = (cells: readonly string[]) => `| ${cells.map(cell).join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

/** The same table as aligned plain text, for the terminal. */
export function textTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

const DOC_HEADER = '# hubsync benchmarks\n\nFigures measured on one machine; each section below is rewritten by the script that produces it.\n';

/**
 * Replaces the text between `<!-- {name}:start -->` and `<!-- {name}:end -->` in
 * docs/benchmarks.md (appending the section when the markers are missing), leaving every other
 * section as it was.
 */
export function writeDocSection(name: string, body: string, file = BENCHMARKS_DOC): void {
  const start = `<!-- ${name}:start -->`;
  const end = `<!-- ${name}:end -->`;
  const section = `${start}\n${body.trim()}\n${end}`;
  const current = existsSync(file) ? readFileSync(file, 'utf8') : DOC_HEADER;
  const from = current.indexOf(start);
  const to = current.indexOf(end);
  const next =
    from >= 0 && to > from ? `${current.slice(0, from)}${section}${current.slice(to + end.length)}` : `${current.trimEnd()}\n\n${section}\n`;
  writeFileSync(file, next);
}

export const formatInt = (n: number): string => Math.round(n).toLocaleString('en-US');
export const formatMs = (ms: number): string => (ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(1)} ms`);
export const formatMiB = (bytes: number): string => `${Math.round(bytes / 2 ** 20)} MiB`;

/** Value of `--name value` in argv, or the fallback. */
export function flag(argv: readonly string[], name: string, fallback: string): string {
  const at = argv.indexOf(`--${name}`);
  return at >= 0 && argv[at + 1] !== undefined && !argv[at + 1]!.startsWith('--') ? argv[at + 1]! : fallback;
}

export function numberFlag(argv: readonly string[], name: string, fallback: number): number {
  const value = Number(flag(argv, name, String(fallback)));
  if (!Number.isFinite(value) || value < 0) throw new Error(`--${name} must be a non-negative number`);
  return value;
}

/** Peak RSS of this process since start (or since the last reset), from /proc; 0 elsewhere. */
function highWaterMark(): number {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/**
 * Peak RSS of this process over a phase. On Linux the kernel's high-water mark is reset at the
 * start (`/proc/self/clear_refs`) and read at the end, so short spikes count; elsewhere RSS is
 * sampled every `everyMs` (a blocked event loop can miss a spike). Phases must not overlap.
 */
export function rssSampler(everyMs = 50): { peak(): number; stop(): number } {
  try {
    writeFileSync('/proc/self/clear_refs', '5');
  } catch {
    // Not Linux, or not allowed: sampling alone.
  }
  let peak = process.memoryUsage.rss();
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, everyMs);
  timer.unref();
  const now = () => Math.max(peak, process.memoryUsage.rss(), highWaterMark());
  return {
    peak: now,
    stop() {
      clearInterval(timer);
      return now();
    },
  };
}

export interface Percentiles {
  p50: number;
  p95: number;
  max: number;
}

/** The nearest-rank 50th and 95th percentiles and the maximum (zeros for no values). */
export function percentiles(values: readonly number[]): Percentiles {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? 0;
  return { p50: at(0.5), p95: at(0.95), max: sorted.at(-1) ?? 0 };
}

/** One row of a bench table. */
export type BenchRow = [scenario: string, measure: string, goal: string, measured: string, met: string];

/**
 * A scenario that keeps a docs section of its own (`<!-- bench-<name>:start -->`), so it can be
 * run alone (`npm run bench -- --only <name>`) without rewriting the other scenarios' figures.
 */
export interface OwnSection {
  name: string;
  title: string;
  /** What was measured and how, in a sentence or two, above the table. */
  intro: string;
  rows: BenchRow[];
}
