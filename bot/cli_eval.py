"""`dataagent eval dabench`: the engine against InfiAgent-DABench, from a terminal."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path

from agent.engine import Mode
from agent.evals import Bench, BenchDataError, Question, QuestionResult, load_dabench, run_questions
from agent.evals.dabench import LEVELS
from agent.evals.report import report_json, summarize, summary_table
from bot.config import Settings
from bot.exit_codes import Exit
from bot.services import build_services

# `auto` is left out: an eval should say which way it answered, and without --mode the settings decide.
_MODES: dict[str, Mode] = {"loop": "loop", "one-shot": "one-shot"}


def add_eval_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """`eval dabench --data DIR [--limit N] [--level L] [--json FILE] [--mode M]`."""
    evaluate = sub.add_parser("eval", help="run a benchmark against the engine and report its accuracy")
    bench_sub = evaluate.add_subparsers(dest="bench", required=True)
    dabench = bench_sub.add_parser("dabench", help="InfiAgent-DABench (download it first: README, Evaluating)")
    dabench.add_argument("--data", type=Path, required=True, help="the DABench data directory")
    dabench.add_argument("--limit", type=int, default=None, help="only the first N questions (after --level)")
    dabench.add_argument("--level", choices=LEVELS, default=None, help="only questions of this level")
    dabench.add_argument("--json", type=Path, default=None, help="write the per-question records and summary here")
    dabench.add_argument("--mode", choices=tuple(_MODES), default=None, help="how the engine works")


def cmd_eval(settings: Settings, args: argparse.Namespace) -> int:
    try:
        bench = load_dabench(args.data)
    except BenchDataError as exc:
        print(f"dataagent: {exc}", file=sys.stderr)
        return Exit.USAGE
    if args.json is not None and not args.json.parent.is_dir():
        # Checked now, not after an hour of questions.
        print(f"dataagent: cannot write {args.json}: {args.json.parent} is not a directory", file=sys.stderr)
        return Exit.USAGE
    if args.limit is not None and args.limit < 1:
        print("dataagent: --limit must be at least 1", file=sys.stderr)
        return Exit.USAGE
    questions = [q for q in bench.questions if args.level in (None, q.level)][: args.limit]
    if not questions:
        print(f"dataagent: no questions to run in {args.data}", file=sys.stderr)
        return Exit.USAGE
    results = asyncio.run(_run(settings, bench, questions, args.mode))
    summary = summarize(results)
    print(summary_table(summary))
    if args.json is not None:
        args.json.write_text(json.dumps(report_json(results, summary), indent=2, ensure_ascii=False), encoding="utf-8")
        print(f"[records written to {args.json}]", file=sys.stderr)
    return Exit.OK


async def _run(settings: Settings, bench: Bench, questions: list[Question], mode: str | None) -> list[QuestionResult]:
    services = build_services(settings, mode=_MODES.get(mode or ""))
    right = 0

    def progress(done: int, total: int, result: QuestionResult) -> None:
        nonlocal right
        right += result.correct
        verdict = "right" if result.correct else f"wrong ({result.status}, {result.sub_right}/{result.sub_total})"
        print(
            f"[{done}/{total}] question {result.id} ({result.level}): {verdict}, {result.seconds:.1f} s; "
            f"{right}/{done} right so far",
            file=sys.stderr,
            flush=True,
        )

    try:
        return await run_questions(services.engine, bench, questions, progress)
    finally:
        await services.aclose()
