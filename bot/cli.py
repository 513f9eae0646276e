"""The `dataagent` command line (also `python -m bot`)."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from agent.errors import ConfigError, DataAgentError, SandboxLost
from agent.sandbox.base import Execution
from bot.cli_audit import add_audit_parser, cmd_audit
from bot.cli_data import cmd_ask, cmd_profile
from bot.cli_eval import add_eval_parser, cmd_eval
from bot.config import Settings
from bot.exit_codes import Exit
from bot.logs import setup_logging
from bot.services import make_sandbox_provider


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="dataagent", description="DataAgent: a data-analyst bot for Slack.")
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("serve", help="run the Slack bot (the default)")
    sub.add_parser("doctor", help="check tokens, Redis, the sandbox and the LLM; say what to fix")
    sandbox = sub.add_parser("sandbox", help="sandbox tools for operators")
    sandbox_sub = sandbox.add_subparsers(dest="sandbox_command", required=True)
    run = sandbox_sub.add_parser("run", help="run a Python file in a fresh sandbox and print what it produced")
    run.add_argument("file", type=Path)
    run.add_argument("--json", action="store_true", help="print the execution as JSON")
    run.add_argument("--timeout", type=float, default=None, help="seconds before the cell is stopped")
    prof = sub.add_parser("profile", help="show what the bot sees in a CSV file")
    prof.add_argument("file", type=Path)
    prof.add_argument("--json", action="store_true")
    ask = sub.add_parser("ask", help="ask a question about a CSV file, from the terminal")
    ask.add_argument("file", type=Path)
    ask.add_argument("question")
    ask.add_argument("--json", action="store_true", help="print the result as JSON")
    ask.add_argument("--charts-dir", type=Path, default=None, help="save the charts as PNG files here")
    add_eval_parser(sub)
    add_audit_parser(sub)
    return parser


async def _sandbox_run(settings: Settings, code: str, timeout: float) -> tuple[Execution | None, str | None]:
    provider = make_sandbox_provider(settings)
    try:
        box = await provider.create()
        try:
            return await box.run(code, timeout=timeout), None
        except SandboxLost as lost:
            return None, str(lost)
        finally:
            await box.close()
    finally:
        await provider.aclose()


def _print_execution(execution: Execution, lost: str | None, as_json: bool) -> None:
    if as_json:
        data = execution.to_json()
        if lost:
            data.update(lost=True, lost_reason=lost)
        print(json.dumps(data))
    else:
        _print_text(execution)


def _print_text(execution: Execution) -> None:
    if execution.stdout:
        print(execution.stdout, end="" if execution.stdout.endswith("\n") else "\n")
    if execution.stderr:
        print(execution.stderr, end="", file=sys.stderr)
    for index, result in enumerate(execution.results, 1):
        if result.png is not None:
            print(f"[figure {index}: PNG, {len(result.png)} bytes]")
        elif result.is_main_result and result.text is not None:
            print(result.text)
    if execution.error is not None:
        print(execution.error.traceback or f"{execution.error.name}: {execution.error.value}", file=sys.stderr)
    if execution.truncated:
        print("[output was truncated]", file=sys.stderr)


def _cmd_sandbox_run(settings: Settings, args: argparse.Namespace) -> int:
    try:
        code = args.file.read_text(encoding="utf-8")
    except OSError as exc:
        print(f"dataagent: cannot read {args.file}: {exc.strerror}", file=sys.stderr)
        return Exit.USAGE
    timeout = args.timeout or settings.cell_timeout_s
    execution, lost = asyncio.run(_sandbox_run(settings, code, timeout))
    if execution is None:
        if args.json:
            _print_execution(Execution(), lost, True)
        else:
            print(f"dataagent: the sandbox was lost: {lost}", file=sys.stderr)
        return Exit.FAILED
    _print_execution(execution, lost, args.json)
    return Exit.OK if execution.error is None else Exit.FAILED


def _cmd_serve(settings: Settings) -> int:
    from bot.app import Bot  # imported here so the other commands start fast

    asyncio.run(Bot(settings).run_forever())
    return Exit.OK


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = Settings.load()
    except ConfigError as exc:
        print(f"dataagent: {exc}", file=sys.stderr)
        return Exit.USAGE
    setup_logging("WARNING" if args.command != "serve" else settings.log_level, settings.secrets)
    try:
        if args.command == "sandbox":
            return _cmd_sandbox_run(settings, args)
        if args.command == "doctor":
            from bot.doctor import doctor

            return doctor(settings)
        if args.command == "profile":
            return cmd_profile(settings, args)
        if args.command == "ask":
            return cmd_ask(settings, args)
        if args.command == "eval":
            return cmd_eval(settings, args)
        if args.command == "audit":
            return cmd_audit(settings, args)
        return _cmd_serve(settings)
    except ConfigError as exc:
        print(f"dataagent: {exc}", file=sys.stderr)
        return Exit.USAGE
    except DataAgentError as exc:
        print(f"dataagent: {exc}", file=sys.stderr)
        return Exit.FAILED
