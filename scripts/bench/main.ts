/**
 * `pnpm bench`: runs every package's benches one after another, passes their own output through
 * (indented), collects the rows they report (row.ts) and prints one table, then the goals missed
 * and the benches that failed. Exit code 0 when every bench ran (missed goals included: this is a
 * report), 1 when one failed, 2 for bad arguments, 130 on Ctrl-C.
 */
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  type Bench,
  benchLabel,
  discoverBenches,
  type SelectedBench,
  selectBenches,
} from './benches';
import { runBench } from './runBench';
import {
  type BenchOutcome,
  formatJson,
  formatSummary,
  formatTable,
  type SummarizedRow,
  summarizeRow,
} from './table';

const DEFAULT_TIMEOUT_S = 1800;
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

const HELP = `pnpm bench [--only <name>]... [--json] [--timeout <s>] [--list]

Runs the benches of every package (the "bench" script of packages/*/package.json, one bench per
command it chains with &&), one after another. Each bench measures our code and its reference
(PyTorch, imagehash, libxgboost, ...) in the same run, interleaved, and reports rows; at the end
one table lists every row: ours and the reference as min / median / max of their samples, how many
times better ours is (its median against the reference's), and the goal where one was set.
Progress goes to stderr; each bench's own output is passed through, indented.

Options:
  --only <name>    run a subset: a package (@subnet/scoring or scoring), a bench file (xgboost),
                   or a group of rows (xgboost, "image hashes": only that group's rows are
                   kept); repeat it or separate names with commas
  --json           print the rows (with min, median, max, ratio and goalMet computed) and how
                   each bench ended as JSON on stdout instead of the table; bench output and the
                   summary go to stderr (pnpm -s bench --json: without pnpm's banner)
  --timeout <s>    seconds each bench may run before it is stopped (default ${DEFAULT_TIMEOUT_S})
  --list           list the benches and the groups they report, run nothing
  -h, --help       this help

Exit code: 0 when every bench ran, goals missed or not (the summary names them); 1 when a bench
failed (non-zero exit, timeout, malformed row); 2 for bad arguments. Benches read their own knobs
from the environment (BENCH_*; see the comment at the top of each bench file).
`;

interface Args {
  only: string[];
  json: boolean;
  timeoutMs: number;
  list: boolean;
}

function parse(argv: string[]): Args | 'help' {
  const { values } = parseArgs({
    args: argv.filter((a) => a !== '--'),
    options: {
      only: { type: 'string', multiple: true },
      json: { type: 'boolean' },
      timeout: { type: 'string' },
      list: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) return 'help';
  const timeoutS = Number(values.timeout ?? DEFAULT_TIMEOUT_S);
  if (!(timeoutS > 0)) throw new Error(`--timeout "${values.timeout}": expected seconds > 0`);
  return {
    only: (values.only ?? []).flatMap((o) => o.split(',')),
    json: values.json ?? false,
    timeoutMs: timeoutS * 1000,
    list: values.list ?? false,
  };
}

function listing(benches: readonly Bench[]): string {
  return benches
    .map((b) =>
      `${benchLabel(b).padEnd(40)} ${b.groups.length ? `groups: ${b.groups.join(', ')}` : ''}`.trimEnd(),
    )
    .join('\n');
}

async function runAll(selected: readonly SelectedBench[], args: Args) {
  const out = args.json ? process.stderr : process.stdout;
  const rows: SummarizedRow[] = [];
  const outcomes: BenchOutcome[] = [];
  let stopCurrent: (() => void) | undefined;
  let interrupted = false;
  const onSigint = () => {
    interrupted = true;
    process.stderr.write('\nbench: interrupted, stopping the running bench\n');
    stopCurrent?.();
  };
  process.on('SIGINT', onSigint);
  try {
    for (const [i, { bench, groups }] of selected.entries()) {
      if (interrupted) break;
      const label = benchLabel(bench);
      const progress = `bench ${i + 1}/${selected.length}: ${label}`;
      process.stderr.write(`${progress} (${bench.command})\n`);
      const result = await runBench({
        bench,
        root: ROOT,
        timeoutMs: args.timeoutMs,
        onLine: (line, stream) =>
          (stream === 'stderr' ? process.stderr : out).write(`  | ${line}\n`),
        onStart: (stop) => {
          stopCurrent = stop;
        },
      });
      stopCurrent = undefined;
      const kept = result.rows.filter((r) => groups === null || groups.has(r.group));
      rows.push(...kept.map((r) => summarizeRow(r, label)));
      const { outcome } = result;
      outcomes.push({ ...outcome, rows: kept.length });
      const took = `${outcome.seconds.toFixed(1)} s`;
      process.stderr.write(
        outcome.status === 'ok'
          ? `${progress}: ok, ${kept.length} row(s) in ${took}\n`
          : `${progress}: ${outcome.status === 'failed' ? 'FAILED' : 'skipped'} (${outcome.reason}) after ${took}\n`,
      );
    }
  } finally {
    process.off('SIGINT', onSigint);
  }
  return { rows, outcomes, interrupted };
}

async function main(): Promise<number> {
  let args: Args;
  try {
    const parsed = parse(process.argv.slice(2));
    if (parsed === 'help') {
      process.stdout.write(HELP);
      return 0;
    }
    args = parsed;
  } catch (err) {
    process.stderr.write(`bench: ${(err as Error).message}\n\n${HELP}`);
    return 2;
  }
  const benches = discoverBenches(ROOT);
  if (args.list) {
    process.stdout.write(`${listing(benches)}\n`);
    return 0;
  }
  const { selected, unmatched } = selectBenches(benches, args.only);
  if (unmatched.length > 0) {
    process.stderr.write(
      `bench: --only ${unmatched.map((u) => `"${u}"`).join(', ')} matches no package, bench or group. Known:\n${listing(benches)}\n`,
    );
    return 2;
  }
  const { rows, outcomes, interrupted } = await runAll(selected, args);
  if (args.json) {
    process.stdout.write(`${formatJson(rows, outcomes)}\n`);
    process.stderr.write(`${formatSummary(rows, outcomes)}\n`);
  } else {
    const width = process.stdout.isTTY ? Math.max(100, process.stdout.columns) : 140;
    process.stdout.write(`\n${formatTable(rows, width)}\n\n${formatSummary(rows, outcomes)}\n`);
  }
  if (interrupted) return 130;
  return outcomes.some((o) => o.status === 'failed') ? 1 : 0;
}

process.exitCode = await main();
