// CSV import memory benchmark: generates a customers CSV of N rows (default 1,000,000) in a temp
// dir, imports it with the real `hubsync import` command into a fresh SQLite data dir, and
// reports rows, wall time and the import process's peak RSS (from `/usr/bin/time -v` when it
// exists, else sampled from /proc/<pid>/status VmHWM). The streaming importer should stay under
// 300 MB however large the file is.
//
//   node --import tsx bench/import-memory.ts [--rows 1000000] [--write-docs]
//
// --write-docs replaces the `import-memory` section of docs/benchmarks.md with the figures.

import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { once } from 'node:events';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describeMachine, formatInt, formatMiB, formatMs, machineInfo, markdownTable, numberFlag, textTable, writeDocSection } from './lib/report.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const GOAL_RSS_BYTES = 300 * 2 ** 20;

export interface ImportMemoryFigures {
  rows: number;
  fileBytes: number;
  generateMs: number;
  importMs: number;
  rowsPerSecond: number;
  peakRssBytes: number;
  rssSource: string;
  exitCode: number | null;
  summaryLine: string;
}

/** Writes `rows` customers as CSV, honouring back-pressure so generation itself stays small. */
export async function writeCustomersCsv(file: string, rows: number): Promise<void> {
  const out = createWriteStream(file);
  const countries = ['US', 'DE', 'FR', 'GB', 'ES', 'IT', 'NL', 'SE'];
  out.write('externalId,email,firstName,lastName,phone,city,country,companyName\n');
  let chunk = '';
  for (let i = 0; i < rows; i++) {
    chunk += `cust-${i},user${i}@example.com,First${i % 997},Last${i % 1009},+1-555-${String(i % 10_000).padStart(4, '0')},City ${i % 500},${countries[i % countries.length]},Company ${i % 20_000}\n`;
    if (chunk.length > 1 << 20) {
      if (!out.write(chunk)) await once(out, 'drain');
      chunk = '';
    }
  }
  out.end(chunk);
  await once(out, 'finish');
}

/** Peak RSS of a running process from /proc (VmHWM), or 0 where /proc is missing. */
function procPeakRss(pid: number): number {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

export async function runImportMemoryBench(params: { rows: number; log?: (line: string) => void }): Promise<ImportMemoryFigures> {
  const log = params.log ?? (() => {});
  const dir = mkdtempSync(join(tmpdir(), 'hubsync-import-bench-'));
  try {
    const csv = join(dir, 'customers.csv');
    const generateStarted = performance.now();
    await writeCustomersCsv(csv, params.rows);
    const generateMs = performance.now() - generateStarted;
    const fileBytes = statSync(csv).size;
    log(`generated ${formatInt(params.rows)} rows (${formatMiB(fileBytes)}) in ${formatMs(generateMs)}`);

    const timeFile = join(dir, 'time.txt');
    const useTime = existsSync('/usr/bin/time');
    const command = useTime ? '/usr/bin/time' : process.execPath;
    const args = [...(useTime ? ['-v', '-o', timeFile, process.execPath] : []), join(ROOT, 'bin', 'hubsync.js'), 'import', csv, '--errors', '5'];
    const started = performance.now();
    const child = spawn(command, args, {
      cwd: ROOT,
      env: {
        ...process.env,
        HUBSYNC_DATA_DIR: join(dir, 'data'),
        HUBSYNC_SANDBOX: 'off',
        HUBSYNC_LOG_LEVEL: 'silent',
        HUBSYNC_ADMIN_EMAIL: 'admin@example.com',
        HUBSYNC_ADMIN_PASSWORD: 'bench-password-123',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // The progress bar redraws with \r; keep only the tail of the output for the summary line.
    let tail = '';
    const keep = (data: Buffer) => {
      tail = (tail + data.toString('utf8')).slice(-4000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    let sampledPeak = 0;
    const sampler = setInterval(() => {
      // Fallback only: with /usr/bin/time this samples `time` itself, and its report wins below.
      sampledPeak = Math.max(sampledPeak, procPeakRss(child.pid ?? 0));
    }, 250);
    const progress = setInterval(() => {
      const last = tail.split(/[\r\n]/).filter((s) => s.trim() !== '').at(-2)?.trim() ?? '';
      log(`  ${((performance.now() - started) / 1000).toFixed(0)} s · ${last.slice(0, 120)}`);
    }, 30_000);
    const [exitCode] = (await once(child, 'exit')) as [number | null];
    clearInterval(sampler);
    clearInterval(progress);
    const importMs = performance.now() - started;

    let peakRssBytes = sampledPeak;
    let rssSource = '/proc VmHWM sampled every 250 ms';
    if (useTime && existsSync(timeFile)) {
      const match = /Maximum resident set size \(kbytes\): (\d+)/.exec(readFileSync(timeFile, 'utf8'));
      if (match) {
        peakRssBytes = Number(match[1]) * 1024;
        rssSource = '/usr/bin/time -v (maximum resident set size)';
      }
    }
    const summaryLine = /Imported[^\n\r]*/.exec(tail)?.[0] ?? tail.split(/[\r\n]/).filter((s) => s.trim()).at(-1) ?? '';
    return {
      rows: params.rows,
      fileBytes,
      generateMs,
      importMs,
      rowsPerSecond: params.rows / (importMs / 1000),
      peakRssBytes,
      rssSource,
      exitCode,
      summaryLine: summaryLine.trim(),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function importMemoryTable(f: ImportMemoryFigures): { header: string[]; rows: string[][] } {
  return {
    header: ['measure', 'goal', 'measured', 'met?'],
    rows: [
      ['rows imported', '', formatInt(f.rows), ''],
      ['CSV size', '', formatMiB(f.fileBytes), ''],
      ['wall time (`hubsync import`, incl. start-up and migrations)', '', formatMs(f.importMs), ''],
      ['rows / s', '', formatInt(f.rowsPerSecond), ''],
      ['peak RSS of the import process', '< 300 MiB', formatMiB(f.peakRssBytes), f.peakRssBytes < GOAL_RSS_BYTES ? 'yes' : '**no**'],
      ['exit code', '0', String(f.exitCode), f.exitCode === 0 ? 'yes' : '**no**'],
    ],
  };
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const rows = numberFlag(argv, 'rows', 1_000_000);
  const writeDocs = argv.includes('--write-docs');
  const machine = machineInfo();
  console.log(`import memory: ${formatInt(rows)} rows · ${describeMachine(machine)}`);
  const f = await runImportMemoryBench({ rows, log: (line) => console.log(line) });
  const table = importMemoryTable(f);
  console.log(textTable(table.header, table.rows));
  console.log(`importer said: ${f.summaryLine}`);
  if (writeDocs) {
    writeDocSection(
      'import-memory',
      [
        '## CSV import memory (`bench/import-memory.ts`)',
        '',
        `${describeMachine(machine)}`,
        '',
        `Command: \`node --import tsx bench/import-memory.ts --rows ${rows} --write-docs\` — generates a ${formatInt(rows)}-row CSV ` +
          '(externalId, email, first/last name, phone, city, country, company) and runs `node bin/hubsync.js import` (sources through tsx, no build) ' +
          `into a fresh SQLite data dir. Peak RSS from ${f.rssSource}.`,
        '',
        markdownTable(table.header, table.rows),
        '',
        `Importer's last line: \`${f.summaryLine.replace(/`/g, "'")}\``,
      ].join('\n'),
    );
    console.log('wrote the import-memory section of docs/benchmarks.md');
  }
  if (f.exitCode !== 0) process.exitCode = 1;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
