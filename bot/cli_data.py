"""`dataagent profile` and `dataagent ask`: the engine from a terminal."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import uuid
from pathlib import Path

from agent.answer import Answer
from agent.errors import DatasetError
from agent.ingest import ingest_file
from agent.profile import profile, profile_text
from agent.progress import Progress
from bot.config import Settings
from bot.exit_codes import Exit
from bot.services import build_services


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError as exc:
        print(f"dataagent: cannot read {path}: {exc.strerror}", file=sys.stderr)
        return None


def cmd_profile(settings: Settings, args: argparse.Namespace) -> int:
    data = _read(args.file)
    if data is None:
        return Exit.USAGE
    try:
        profiles = [profile(d) for d in ingest_file(args.file.name, data, max_bytes=settings.max_file_mb << 20)]
    except DatasetError as exc:
        print(f"dataagent: {exc}", file=sys.stderr)
        return Exit.FAILED
    if args.json:
        shown = [p.to_json() for p in profiles]
        print(json.dumps(shown[0] if len(shown) == 1 else shown, indent=2, default=str, ensure_ascii=False))
    else:
        print("\n\n".join(profile_text(p) for p in profiles))
    return Exit.OK


async def _on_progress(progress: Progress) -> None:
    print(f"… {progress.message}", file=sys.stderr)


async def _ask(settings: Settings, file: Path, data: bytes, question: str, quiet: bool) -> Answer:
    services = build_services(settings)
    # Each terminal run is its own conversation.
    thread = f"cli:{uuid.uuid4().hex}"
    try:
        await services.engine.add_dataset(thread, file.name, data)
        answer = await services.engine.ask(thread, question, None if quiet else _on_progress)
        await services.engine.forget(thread)
        return answer
    finally:
        await services.aclose()


def _save_charts(answer: Answer, directory: Path | None) -> list[str]:
    if directory is None or not answer.charts:
        return []
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for index, png in enumerate(answer.charts, 1):
        path = directory / f"chart-{index}.png"
        path.write_bytes(png)
        paths.append(str(path))
    return paths


def cmd_ask(settings: Settings, args: argparse.Namespace) -> int:
    data = _read(args.file)
    if data is None:
        return Exit.USAGE
    try:
        answer = asyncio.run(_ask(settings, args.file, data, args.question, quiet=args.json))
    except DatasetError as exc:
        if args.json:
            print(
                json.dumps({"answer": None, "code": None, "stdout": "", "attempts": 0, "charts": [], "error": str(exc)})
            )
        else:
            print(f"dataagent: {exc}", file=sys.stderr)
        return Exit.FAILED
    paths = _save_charts(answer, args.charts_dir)
    if args.json:
        print(json.dumps(answer.to_json(paths)))
    else:
        print(answer.text)
        for path in paths:
            print(f"[chart saved: {path}]")
        if answer.charts and not paths:
            print(f"[{len(answer.charts)} chart(s) drawn; pass --charts-dir DIR to save them]")
        if answer.ok:
            print(f"\n({len(answer.attempts)} attempt(s), {answer.timings.get('total_s', 0):.1f} s)", file=sys.stderr)
    return Exit.OK if answer.ok else Exit.FAILED
