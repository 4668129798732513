"""Entry point. Each sub-command lives in its own module, imported only when that command
runs, so that `cramp-dx assess` never pays for Qt, SQLAlchemy or ReportLab."""

from __future__ import annotations

import argparse
import importlib
import os
import sys

from cramp_dx import __version__
from cramp_dx.errors import CrampDxError, InputError

# command → (module under cramp_dx.cli, one-line help)
COMMANDS: dict[str, tuple[str, str]] = {
    "assess": ("cmd_assess", "rank the differential for a case file or a saved visit"),
    "report": ("cmd_report", "write the PDF workup summary"),
    "import": ("cmd_import", "import a case file as a new visit"),
    "import-labs": ("cmd_import_labs", "import lab results (HL7 v2 ORU^R01 or FHIR R4) into a visit"),
    "export-case": ("cmd_export_case", "write a saved visit as a case file"),
    "export-fhir": ("cmd_export_fhir", "write a saved visit as a FHIR R4 Bundle"),
    "user": ("cmd_user", "manage clinician accounts"),
    "audit": ("cmd_audit", "show or verify the audit trail"),
    "db": ("cmd_db", "upgrade, check, back up or restore the database"),
    "demo": ("cmd_demo", "add fictional demo patients"),
    "gui": ("cmd_gui", "open the desktop app (the default with no arguments)"),
}


def _top_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cramp-dx",
        description="Leg cramps after lumbar spine surgery: structured workup and differential.",
        epilog="commands:\n"
        + "\n".join(f"  {name:<12} {help_}" for name, (_, help_) in COMMANDS.items())
        + "\n\nRun `cramp-dx COMMAND --help` for a command's options.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"cramp-dx {__version__}")
    return parser


class _DatabaseUrl(argparse.Action):
    """--database-url as given on the command line, which every user of the computer can
    read (ps): a URL with a password is refused, without repeating it. (The default, from
    CRAMP_DX_DATABASE_URL, is not shown by ps and is not checked here.)"""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: object,
        option_string: str | None = None,
    ) -> None:
        from urllib.parse import urlsplit

        text = str(values)
        try:
            has_password = "://" in text and urlsplit(text).password is not None
        except ValueError:
            has_password = False
        if has_password:
            raise argparse.ArgumentError(
                self,
                "the URL holds a password, which any user of this computer could read from the "
                "command line; leave it out and store it once with `cramp-dx db password "
                "--database-url URL` (the OS keyring, else an owner-only pgpass file in the "
                "config folder), or in a libpq .pgpass file",
            )
        setattr(namespace, self.dest, text)


def add_database_option(parser: argparse.ArgumentParser) -> None:
    """The option every command touching the record takes."""
    parser.add_argument(
        "--database-url",
        action=_DatabaseUrl,
        default=os.environ.get("CRAMP_DX_DATABASE_URL"),
        help="SQLAlchemy URL of the record (default: CRAMP_DX_DATABASE_URL, else the SQLite "
        "file in the user data folder), e.g. postgresql+psycopg://user@host/cramp_dx",
    )


def error(message: str) -> None:
    if "://" in message:
        from cramp_dx.store.secrets import mask  # a database URL's password is never shown

        message = mask(message)
    print(f"cramp-dx: error: {message}", file=sys.stderr)


def _note_password_in_environment(args: argparse.Namespace) -> None:
    """CRAMP_DX_DATABASE_URL with a password works (ps does not show the environment to
    other users) but keeps the password in shell profiles and scripts: say how to stop that."""
    from_env = os.environ.get("CRAMP_DX_DATABASE_URL")
    if not from_env or getattr(args, "database_url", None) != from_env or "@" not in from_env:
        return
    from urllib.parse import urlsplit

    try:
        has_password = urlsplit(from_env).password is not None
    except ValueError:
        return
    if has_password:
        print(
            "cramp-dx: note: CRAMP_DX_DATABASE_URL holds a password; store it once with "
            "`cramp-dx db password` (the OS keyring) and leave it out of the variable",
            file=sys.stderr,
        )


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or (argv[0].startswith("-") and argv[0] not in ("-h", "--help", "--version")):
        argv = ["gui", *argv]
    if argv[0] not in COMMANDS:
        parser = _top_parser()
        if argv[0].startswith("-"):
            parser.parse_args(argv)
            return 0
        error(f"unknown command {argv[0]!r}; accepted: {', '.join(COMMANDS)}")
        return 2
    name = argv[0]
    module_name, help_ = COMMANDS[name]
    module = importlib.import_module(f"cramp_dx.cli.{module_name}")
    parser = argparse.ArgumentParser(prog=f"cramp-dx {name}", description=help_)
    module.add_arguments(parser)
    args = parser.parse_args(argv[1:])
    _note_password_in_environment(args)
    try:
        return int(module.run(args) or 0)
    except InputError as exc:
        for problem in exc.problems:
            error(str(problem))
        return 2
    except CrampDxError as exc:
        error(str(exc))
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # the reader went away (e.g. `| head`): stop quietly, as Unix tools do
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
