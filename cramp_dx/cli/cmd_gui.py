"""`cramp-dx gui` (and `cramp-dx` with no arguments): open the desktop app."""

from __future__ import annotations

import argparse

from cramp_dx.cli.main import add_database_option


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_database_option(parser)
    parser.add_argument(
        "--smoke-test",
        action="store_true",
        help="start the app, check that the window, knowledge base, workup page and PDF viewer "
        "load, print one line and exit (0 if all is well); for installers and packaging checks",
    )


def run(args: argparse.Namespace) -> int:
    # The one place outside cramp_dx.ui that loads Qt, and only when this command runs; the
    # import-linter contract in pyproject.toml names this exception explicitly.
    from cramp_dx.ui.app import run_app

    return int(run_app(args.database_url, smoke_test=args.smoke_test))
