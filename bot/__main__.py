"""`python -m bot` is `dataagent`."""

from bot.cli import main

raise SystemExit(main())
