"""Scale: comention on N articles of real sentences, against the pandas + geotext script a user
would write (bench/diy_pairs.py), and whether analysts can query the warehouse during a run.

The corpus is one JSON Lines file (title, text, published with its time zone) remixed from the
sentences of Reuters-21578 and BBC News (../shared/data): each article a real title and 6-14
random sentences, dated over 2023-2024, ~2% exact duplicates and ~1% near-duplicates (one
sentence changed). It is cached under --workdir by size and seed.

Main mode: bench/diy_pairs.py as a subprocess, then `run_pipeline` in this process on a fresh
warehouse (as `comention run` does, GX loading in its helper process); per stage wall time,
articles/s and peak RSS of this process and its children; then both side by side.

--readers: a warehouse with a few articles first, then `comention run` of --articles new ones
as a subprocess while, every 0.5 s, a `comention sql` subprocess and an in-process read-only
DuckDB connection count the articles: answered, refused, longest wait, count going down.

    python -m bench.bench_scale --articles 100000 --workdir /tmp/scale   # keeps the corpus
    python -m bench.bench_scale --articles 20000 --skip-diy
    python -m bench.bench_scale --articles 20000 --order comention-first
    python -m bench.bench_scale --readers --articles 60000

COMENTION_DUCKDB_MEMORY caps DuckDB as in the app (default 512MB).
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import itertools
import json
import os
import random
import re
import shutil
import string
import subprocess
import sys
import tempfile
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import duckdb
import psutil
from rich.console import Console
from rich.table import Table
from rich.text import Text

import flows  # noqa: F401  (quiet Prefect defaults, before anything imports Prefect)
from bench import reuters
from bench.data import DATA
from bench.measure import tree_rss_mb
from flows.settings import Settings

BBC = DATA / "bbc"
START = datetime(2023, 1, 1, tzinfo=UTC)
SPAN_SECONDS = (datetime(2025, 1, 1, tzinfo=UTC) - START).total_seconds()
# Publishers' own offsets: the week of an article is its Monday in UTC, whatever the zone.
OFFSETS = tuple(timezone(timedelta(hours=h)) for h in (0, 0, 1, -5, 5.5, 8, -3))
EXACT_DUPLICATES, NEAR_DUPLICATES = 0.02, 0.01
RECENT = 1000  # stories a duplicate may copy: bounded, like a wire's recent output
TITLE_VARIANTS = ("{}", "{}", "{}", "{}", "UPDATE 1-{}", "UPDATE 2-{}", "{} (corrected)",
                  "Analysis: {}", "{}: what we know")
SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"'])")
SIGN_OFF = re.compile(r"\s*Reuter\s*$")
SAMPLE_EVERY = 0.05  # seconds between RSS samples
READ_EVERY = 0.5  # seconds between readers
MAX_CLI_READERS = 3  # in flight at once: the machine has few cores and the run needs them
SEED_ARTICLES = 2000
READER_SQL = "select count(*) from articles"
TOTAL = "total (end to end)"
# Tables as wide as they need when piped to a file (rich would wrap them at 80 columns).
console = Console() if sys.stdout.isatty() else Console(width=140)


# --- corpus ---------------------------------------------------------------------------------

def sentences_of(text: str) -> list[str]:
    flat = " ".join(text.split())
    return [s for s in SENTENCE_END.split(flat) if 25 <= len(s) <= 600]


def bbc_stories() -> Iterator[tuple[str, str]]:
    """(title, body) of each BBC article: its first line is the title."""
    for path in sorted(BBC.glob("*/*.txt")):
        raw = path.read_bytes()
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            text = raw.decode("latin-1")
        title, _, body = text.strip().partition("\n")
        yield title.strip(), body


def reuters_stories() -> Iterator[tuple[str, str]]:
    for story in reuters.articles():
        title = story["title"]
        # Wire headlines are upper case; a news site's are not (countries are found by case).
        yield (string.capwords(title) if title.isupper() else title,
               SIGN_OFF.sub("", story["text"]))


def titles_and_sentences() -> tuple[list[str], list[str]]:
    titles, sentences = [], []
    for title, body in itertools.chain(reuters_stories(), bbc_stories()):
        found = sentences_of(body)
        if title and found:
            titles.append(title)
            sentences.extend(found)
    return titles, sentences


def corpus_path(workdir: Path, articles: int, seed: int) -> Path:
    """The JSON Lines corpus of ``articles`` records for ``seed``, generated once per workdir.

    Streamed: one record in memory at a time, plus the RECENT stories duplicates copy."""
    path = workdir / f"corpus-{articles}-seed{seed}.jsonl"
    if path.exists():
        return path
    started = time.perf_counter()
    titles, sentences = titles_and_sentences()
    rng = random.Random(seed)
    recent: deque = deque(maxlen=RECENT)
    partial = path.with_suffix(".partial")
    with partial.open("w", encoding="utf-8") as handle:
        for _ in range(articles):
            roll = rng.random()
            if recent and roll < EXACT_DUPLICATES + NEAR_DUPLICATES:
                title, picks, published = rng.choice(recent)
                if roll >= EXACT_DUPLICATES:
                    # A syndicated copy, later, with one sentence rewritten.
                    picks = list(picks)
                    picks[rng.randrange(len(picks))] = rng.randrange(len(sentences))
                    published += timedelta(hours=rng.uniform(1, 48))
            else:
                title = rng.choice(TITLE_VARIANTS).format(rng.choice(titles))
                picks = [rng.randrange(len(sentences)) for _ in range(rng.randint(6, 14))]
                published = (START + timedelta(seconds=rng.uniform(0, SPAN_SECONDS))
                             ).astimezone(rng.choice(OFFSETS))
                recent.append((title, picks, published))
            record = {"title": title, "text": " ".join(sentences[i] for i in picks),
                      "published": published.isoformat(timespec="seconds")}
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    os.replace(partial, path)  # a run stopped halfway leaves no corpus that looks complete
    console.print(f"generated {path} ({articles:,} records from {len(titles):,} titles and "
                  f"{len(sentences):,} sentences) in {time.perf_counter() - started:.1f} s")
    return path


# --- measuring ------------------------------------------------------------------------------

class PeakRss:
    """Peak tree_rss_mb of a process, sampled every SAMPLE_EVERY s in a thread while in the
    block."""

    def __init__(self, process: psutil.Process):
        self.process, self.peak = process, 0.0
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._done.wait(SAMPLE_EVERY):
            self.peak = max(self.peak, tree_rss_mb(self.process))

    def __enter__(self) -> PeakRss:
        self.peak = tree_rss_mb(self.process)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._done.set()
        self._thread.join()
        self.peak = max(self.peak, tree_rss_mb(self.process))


@contextlib.contextmanager
def measured(results: dict, name: str) -> Iterator[None]:
    """results[name] = (wall seconds, peak RSS MB of this process and its children), also when
    the block raises."""
    rss = PeakRss(psutil.Process())
    started = time.perf_counter()
    try:
        with rss:
            yield
    finally:
        results[name] = (time.perf_counter() - started, rss.peak)


def stage_timer(results: dict) -> Callable[[Callable], Callable]:
    """An ``as_task`` for run_pipeline that measures each stage under its function's name."""
    def as_task(function: Callable) -> Callable:
        @functools.wraps(function)
        def timed(*args, **kwargs):
            try:
                with measured(results, function.__name__):
                    return function(*args, **kwargs)
            except BaseException:
                results[f"{function.__name__} (failed)"] = results.pop(function.__name__)
                raise
        return timed
    return as_task


def child_run(command: list[str], log: Path) -> tuple[float, float, int]:
    """Wall seconds, peak RSS MB (its process tree) and exit code of a command run to its end;
    its output goes to ``log``."""
    started = time.perf_counter()
    with log.open("w") as handle:
        proc = subprocess.Popen(command, stdout=handle, stderr=subprocess.STDOUT)
    watched, peak = psutil.Process(proc.pid), 0.0
    while proc.poll() is None:
        # The kernel's high-water mark also catches a spike between two samples. Not wait4's
        # ru_maxrss: it counts the parent's memory the child had until it exec'd.
        peak = max(peak, tree_rss_mb(watched), high_water_mb(proc.pid))
        time.sleep(SAMPLE_EVERY)
    return time.perf_counter() - started, peak, proc.returncode


def high_water_mb(pid: int) -> float:
    """Peak RSS of a running process since its exec (VmHWM), in MB; 0 once it has ended."""
    with contextlib.suppress(OSError), open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


def fresh(db: Path) -> Path:
    """``db``, with nothing left of an earlier benchmark: the file, its WAL and whatever the
    app keeps beside it (all named after it)."""
    for stale in db.parent.glob(db.name + "*"):
        if stale.is_dir():
            shutil.rmtree(stale)
        else:
            stale.unlink()
    return db


def log_tail(log: Path, lines: int = 8) -> str:
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])


def count_of(db: Path, table: str) -> int | None:
    with contextlib.suppress(duckdb.Error):
        con = duckdb.connect(str(db), read_only=True)
        try:
            return con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        finally:
            con.close()
    return None


# --- main mode ------------------------------------------------------------------------------

@dataclass
class ComentionRun:
    results: dict  # stage or TOTAL -> (seconds, peak RSS MB)
    summary: object | None
    failure: str | None
    pair_weeks: int | None
    rss_before: float


def comention_run(corpus: Path, workdir: Path) -> ComentionRun:
    from expectations.gate import gx_loading_in_background
    from flows.pipeline import NothingToRead, RunFailed, run_pipeline

    db = fresh(workdir / "scale.duckdb")
    results: dict = {}
    summary = failure = None
    rss_before = tree_rss_mb(psutil.Process())
    try:
        # As `comention run` does: GX imports in a helper process while ingest reads; its
        # start and stop are part of the end-to-end time.
        with measured(results, TOTAL), gx_loading_in_background():
            summary = run_pipeline([str(corpus)], db, workdir / "reports",
                                   as_task=stage_timer(results), settings=Settings.from_env())
    except (RunFailed, NothingToRead) as exc:
        failure, summary = str(exc), getattr(exc, "summary", None)
    # Two samplers, two sets of instants: the whole run peaked at least where a stage did.
    seconds, peak = results[TOTAL]
    results[TOTAL] = (seconds, max(peak for _, peak in results.values()))
    return ComentionRun(results, summary, failure, count_of(db, "country_pairs_weekly"),
                        rss_before)


def stages_table(run: ComentionRun, articles: int) -> Table:
    table = Table(title=f"comention on {articles:,} articles, in-process "
                        f"(DuckDB memory cap {Settings.from_env().duckdb_memory})", min_width=90)
    for col in ("stage", "seconds", "articles/s", "peak RSS MB"):
        table.add_column(col, justify="left" if col == "stage" else "right")
    for name, (seconds, peak) in run.results.items():
        table.add_row(name, f"{seconds:.2f}", f"{articles / seconds:,.0f}", f"{peak:,.0f}",
                      end_section=name == TOTAL)
    s, counted = run.summary, ""
    if s is not None and not run.failure:
        counted = (f"{s.records_seen:,} records → {s.articles_loaded:,} articles, "
                   f"{s.duplicates:,} duplicates, {s.near_duplicates:,} near-duplicates, "
                   f"{s.quarantined:,} quarantined. ")
    table.caption = (f"{counted}RSS: this process and its children ({run.rss_before:,.0f} MB "
                     "before the run)")
    return table


def comparison_table(run: ComentionRun, diy: tuple[float, float, int, int | None],
                     articles: int) -> Table:
    seconds, peak = run.results[TOTAL]
    diy_seconds, diy_peak, _, diy_rows = diy
    table = Table(title=f"comention vs DIY pandas + geotext on {articles:,} articles")
    for col in ("", "seconds", "articles/s", "peak RSS MB", "pair-weeks written"):
        table.add_column(col, justify="left" if not col else "right")

    def rows(n: int | None) -> str:
        return "—" if n is None else f"{n:,}"

    table.add_row("comention", f"{seconds:.2f}", f"{articles / seconds:,.0f}",
                  f"{peak:,.0f}", rows(run.pair_weeks))
    table.add_row("DIY pandas + geotext", f"{diy_seconds:.2f}",
                  f"{articles / diy_seconds:,.0f}", f"{diy_peak:,.0f}", rows(diy_rows))
    table.add_row("comention / DIY", f"{seconds / diy_seconds:.2f}×", "",
                  f"{peak / diy_peak:.2f}×", "", style="bold")
    table.caption = ("comention also dedups, gates each stage, builds every mart and writes "
                     "the HTML report; DIY counts pairs only, in a process of its own.")
    return table


def diy_run(corpus: Path, workdir: Path) -> tuple[float, float, int, int | None]:
    """Seconds, peak RSS MB, exit code and pair-weeks written of bench/diy_pairs.py."""
    out = workdir / "diy-pairs.csv"
    out.unlink(missing_ok=True)
    script = Path(__file__).with_name("diy_pairs.py")
    seconds, peak, code = child_run([sys.executable, str(script), str(corpus), str(out)],
                                    workdir / "diy.log")
    if code:
        console.print(Text.assemble(("DIY script failed ", "bold red"), f"(exit {code}):\n",
                                    log_tail(workdir / "diy.log")))
    rows = sum(1 for _ in out.open()) - 1 if out.exists() else None
    return seconds, peak, code, rows


RERUN_RECORDS = 1_000


def rerun_table(corpus: Path, db: Path, workdir: Path) -> Table:
    """Hourly runs that bring nothing new, on the warehouse the main run filled: the
    `comention run` command end to end (process start, gates, publish, report) on a file of
    records already loaded, twice (the first after the main run, then one more); and the size
    of the file published."""
    again = workdir / "nothing-new.jsonl"
    with corpus.open() as source, again.open("w") as target:
        target.writelines(itertools.islice(source, RERUN_RECORDS))
    table = Table(title=f"rerun with nothing new: {RERUN_RECORDS:,} records already loaded")
    for col in ("", "seconds", "exit", "published file GB"):
        table.add_column(col, justify="left" if not col else "right")
    for which in ("first", "second"):
        started = time.perf_counter()
        done = subprocess.run([*comention_command(), "run", str(again), "--db", str(db),
                               "--out", str(workdir / "reports")], capture_output=True,
                              text=True)
        seconds = time.perf_counter() - started
        table.add_row(f"comention run (CLI, end to end), {which}", f"{seconds:.2f}",
                      str(done.returncode), f"{db.stat().st_size / 1e9:.2f}")
        if done.returncode:
            table.caption = (done.stderr.strip() or done.stdout.strip()).splitlines()[-1]
            break
    return table


def main_mode(args, workdir: Path) -> int:
    corpus = corpus_path(workdir, args.articles, args.seed)
    diy = None
    if not args.skip_diy and args.order == "diy-first":
        diy = diy_run(corpus, workdir)
    run = comention_run(corpus, workdir)
    if not args.skip_diy and args.order == "comention-first":
        diy = diy_run(corpus, workdir)
    if run.failure:
        console.print(Text.assemble(("comention run failed: ", "bold red"), run.failure))
    console.print(stages_table(run, args.articles))
    if diy is not None and not diy[2]:
        if run.failure:
            console.print(f"DIY: {diy[0]:.2f} s, peak RSS {diy[1]:,.0f} MB")
        else:
            console.print(comparison_table(run, diy, args.articles))
    if not run.failure and not args.skip_rerun:
        console.print(rerun_table(corpus, workdir / "scale.duckdb", workdir))
    return 1 if run.failure or (diy is not None and diy[2]) else 0


# --- readers mode ---------------------------------------------------------------------------

@dataclass
class ReaderLog:
    name: str
    started: int = 0
    answers: list[tuple[float, int]] = field(default_factory=list)  # (started at, count)
    refused: int = 0
    first_refusal: str | None = None
    longest_wait: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, started_at: float, count: int | None, refusal: str | None) -> None:
        with self.lock:
            if count is None:
                self.refused += 1
                self.first_refusal = self.first_refusal or refusal
            else:
                self.answers.append((started_at, count))
                self.longest_wait = max(self.longest_wait, time.perf_counter() - started_at)

    def went_down(self) -> bool:
        counts = [count for _, count in sorted(self.answers)]  # in the order readers started
        return any(later < earlier for earlier, later in itertools.pairwise(counts))


def comention_command() -> list[str]:
    script = Path(sys.executable).with_name("comention")
    # flows/cli.py has no __main__ block: `python -m flows.cli` would do nothing.
    return [str(script)] if script.exists() else [
        sys.executable, "-c", "from flows.cli import app; app()"]


def cli_read(db: Path, log: ReaderLog) -> None:
    started_at = time.perf_counter()
    done = subprocess.run([*comention_command(), "sql", READER_SQL, "--db", str(db), "--csv"],
                          capture_output=True, text=True)
    lines = done.stdout.split()
    if done.returncode == 0 and lines and lines[-1].isdigit():
        log.record(started_at, int(lines[-1]), None)
    else:
        why = (done.stderr.strip() or done.stdout.strip() or "no output").splitlines()[-1]
        log.record(started_at, None, f"exit {done.returncode}: {why}")


def local_reads(db: Path, log: ReaderLog, stop: threading.Event) -> None:
    """Every READ_EVERY s until ``stop``: connect read-only, count, close (a notebook's way)."""
    while not stop.is_set():
        started_at = time.perf_counter()
        log.started += 1
        try:
            con = duckdb.connect(str(db), read_only=True)
            try:
                count = con.execute(READER_SQL).fetchone()[0]
            finally:
                con.close()
            log.record(started_at, count, None)
        except duckdb.Error as exc:
            log.record(started_at, None, str(exc).splitlines()[0])
        stop.wait(max(0.0, READ_EVERY - (time.perf_counter() - started_at)))


def readers_table(logs: list[ReaderLog], articles: int, before: int | None,
                  after: int | None, skipped: int) -> Table:
    table = Table(title=f"Readers every {READ_EVERY} s during `comention run` of {articles:,} "
                        f"new articles (DuckDB memory cap {Settings.from_env().duckdb_memory})")
    for col in ("reader", "started", "answered", "refused", "longest wait s", "counts seen",
                "count went down", "first refusal"):
        table.add_column(col, justify="left" if col in ("reader", "first refusal") else "right",
                         overflow="fold")
    for log in logs:
        counts = [count for _, count in log.answers]
        table.add_row(log.name, f"{log.started:,}", f"{len(log.answers):,}", f"{log.refused:,}",
                      f"{log.longest_wait:.2f}" if counts else "—",
                      f"{min(counts):,} … {max(counts):,}" if counts else "—",
                      ("yes" if log.went_down() else "no") if counts else "—",
                      log.first_refusal or "")
    table.caption = (f"articles before the run: {before if before is None else f'{before:,}'}, "
                     f"after: {after if after is None else f'{after:,}'}; "
                     f"{skipped} tick(s) without a new comention sql ({MAX_CLI_READERS} in flight)")
    return table


def readers_mode(args, workdir: Path) -> int:
    db, out = fresh(workdir / "readers.duckdb"), workdir / "readers-reports"
    base = corpus_path(workdir, SEED_ARTICLES, args.seed + 1)
    corpus = corpus_path(workdir, args.articles, args.seed)
    seconds, _, code = child_run([*comention_command(), "run", str(base), "--db", str(db),
                                  "--out", str(out)], workdir / "readers-base.log")
    if code:
        console.print(f"the first run ({SEED_ARTICLES:,} articles) failed, exit {code}:\n"
                      + log_tail(workdir / "readers-base.log"))
        return 1
    before = count_of(db, "articles")
    console.print(f"warehouse with {before:,} articles in {seconds:.1f} s; now `comention run` "
                  f"of {corpus.name} with readers")

    cli_log = ReaderLog("comention sql")
    local_log = ReaderLog("duckdb read_only, in-process")
    run_log = workdir / "readers-run.log"
    stop = threading.Event()
    started = time.perf_counter()
    with run_log.open("w") as handle:
        run = subprocess.Popen([*comention_command(), "run", str(corpus), "--db", str(db),
                                "--out", str(out)], stdout=handle, stderr=subprocess.STDOUT)
    local = threading.Thread(target=local_reads, args=(db, local_log, stop), daemon=True)
    local.start()
    readers: list[threading.Thread] = []
    skipped = 0
    while run.poll() is None:
        tick = time.perf_counter()
        readers = [r for r in readers if r.is_alive()]
        if len(readers) < MAX_CLI_READERS:
            reader = threading.Thread(target=cli_read, args=(db, cli_log), daemon=True)
            cli_log.started += 1
            reader.start()
            readers.append(reader)
        else:
            skipped += 1
        time.sleep(max(0.0, READ_EVERY - (time.perf_counter() - tick)))
    run_seconds = time.perf_counter() - started
    stop.set()
    for thread in (local, *readers):  # readers started during the run still answer
        thread.join()
    console.print(readers_table([cli_log, local_log], args.articles, before,
                                count_of(db, "articles"), skipped))
    console.print(f"comention run exited with {run.returncode} after {run_seconds:.1f} s")
    if run.returncode:
        console.print(Text(log_tail(run_log)))
    return 1 if run.returncode else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int,
                        help="records to generate (default 100,000; 60,000 with --readers)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--workdir", type=Path,
                        help="keep the corpus and warehouses here (default: a temporary folder)")
    parser.add_argument("--skip-diy", action="store_true", help="do not run bench/diy_pairs.py")
    parser.add_argument("--order", choices=("diy-first", "comention-first"), default="diy-first")
    parser.add_argument("--skip-rerun", action="store_true",
                        help="do not time a rerun with nothing new after the main run")
    parser.add_argument("--readers", action="store_true",
                        help="query the warehouse while a `comention run` writes to it")
    args = parser.parse_args()
    if args.articles is None:
        args.articles = 60_000 if args.readers else 100_000
    if not (reuters.DATA.exists() and BBC.exists()):
        print(f"error: no Reuters-21578 or BBC data under {DATA} (set COMENTION_SHARED to the "
              "folder holding data/)", file=sys.stderr)
        return 1
    mode = readers_mode if args.readers else main_mode
    if args.workdir:
        args.workdir.mkdir(parents=True, exist_ok=True)
        return mode(args, args.workdir)
    with tempfile.TemporaryDirectory(prefix="comention-scale-") as tmp:
        return mode(args, Path(tmp))


if __name__ == "__main__":
    sys.exit(main())
