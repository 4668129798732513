"""`cramp-dx user add NAME --role ROLE`, `user list`, `user passwd NAME`, `user disable NAME`,
`user enable NAME` and `user unlock NAME`."""

from __future__ import annotations

import argparse

from cramp_dx.cli.record_access import add_login_options, open_record, read_password
from cramp_dx.errors import InputError, Problem


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", required=True)
    add = sub.add_parser(
        "add",
        help="add an account (the first one needs no sign-in; later ones an admin's, or a "
        "physician's while the record has no admin)",
        description="With --password-stdin, line 1 is the new password and line 2 the "
        "admin's (when --user is given).",
    )
    add.add_argument("name")
    add.add_argument("--role", required=True, choices=("nurse", "physician", "admin"))
    add.add_argument("--display-name")
    add_login_options(add)
    listing = sub.add_parser("list", help="list accounts (admin)")
    add_login_options(listing)
    passwd = sub.add_parser(
        "passwd",
        help="set an account's password (your own, or anyone's as an admin)",
        description="Signs in as --user (default: NAME itself). With --password-stdin, line 1 "
        "is the password of --user and line 2 the new password.",
    )
    passwd.add_argument("name")
    add_login_options(passwd)
    for action, text in (("disable", "stop an account from signing in (admin); its audit "
                                     "trail stays"),
                         ("enable", "let a disabled account sign in again (admin)"),
                         ("unlock", "lift the lock after repeated failed sign-ins before it ends "
                                    "by itself (admin)")):
        toggle = sub.add_parser(action, help=text)
        toggle.add_argument("name")
        add_login_options(toggle)


def run(args: argparse.Namespace) -> int:
    from cramp_dx.services import Services

    database = open_record(args)
    try:
        if args.action == "add":
            password = read_password(args, f"Password for the new account {args.name}: ")
            if not args.password_stdin and password != read_password(args, "Again: "):
                raise InputError(Problem("password", "the two entries differ"))
            actor = None
            if Services.has_accounts(database):
                if not args.user:
                    raise InputError(
                        Problem("--user", "accounts exist: sign in with --user NAME as an admin "
                                "(or as a physician while the record has no admin)")
                    )
                admin_password = read_password(args, f"Password for {args.user}: ")
                actor = Services.authenticate(database, args.user, admin_password)
            account = Services.create_account(
                database, args.name, password, args.role, args.display_name, actor=actor
            )
            print(f"added {account.username} ({account.role})")
            return 0
        from cramp_dx.cli.record_access import sign_in

        if args.action == "passwd":
            args.user = args.user or args.name
            services = sign_in(args, database)
            password = read_password(args, f"New password for {args.name}: ")
            if not args.password_stdin and password != read_password(args, "Again: "):
                raise InputError(Problem("password", "the two entries differ"))
            services.set_password(args.name, password)
            print(f"password changed for {args.name}")
            return 0
        if args.action in ("disable", "enable"):
            if args.action == "disable" and args.name == args.user:
                raise InputError(Problem("name", "an admin cannot disable their own account"))
            sign_in(args, database).set_active(args.name, args.action == "enable")
            print(f"{args.name} {args.action}d")
            return 0
        if args.action == "unlock":
            sign_in(args, database).unlock(args.name)
            print(f"{args.name} unlocked")
            return 0
        for account in sign_in(args, database).list_accounts():
            state = "" if account.active else " (disabled)"
            if account.locked_until is not None:
                state += f" (locked until {account.locked_until.astimezone():%Y-%m-%d %H:%M})"
            print(f"{account.username}\t{account.role}\t{account.display_name}{state}")
        return 0
    finally:
        database.dispose()
