"""Commands of the household: ``whoami`` (whose listening this is, and the library shared with
everyone of the database) and ``household music-dir`` (the shared music dir)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import engine as engine_package
from tui.cli.output import print_json

if TYPE_CHECKING:
    import argparse

    from engine import EngineAPI


def add_commands(sub: Any, common: argparse.ArgumentParser) -> None:
    whoami = sub.add_parser(
        "whoami", parents=[common], help="the profile and the library it shares"
    )
    whoami.add_argument("--json", action="store_true")
    household = sub.add_parser("household", parents=[common], help="what a household shares")
    actions = household.add_subparsers(dest="household_command", metavar="ACTION", required=True)
    music = actions.add_parser(
        "music-dir", parents=[common], help="the music dir of everyone of this database"
    )
    music.add_argument("folder", help="the folder (nothing is moved: move the files first)")
    setup = actions.add_parser(
        "setup",
        parents=[common],
        help="PostgreSQL: a role for each member, each held to their own rows by the database",
    )
    setup.add_argument("members", nargs="+", metavar="MEMBER", help="role (login) names")
    setup.add_argument(
        "--print", action="store_true", dest="print_only", help="print the SQL, run nothing"
    )


async def cmd_whoami(engine: EngineAPI, args: argparse.Namespace) -> int:
    found = await engine.household()
    if args.json:
        print_json(engine_package.to_data(found))
        return 0
    print(
        f"profile    {found.profile}"
        + ("" if found.profile == found.login else f" (login {found.login})")
    )
    print(f"database   {found.database}")
    print(f"music dir  {found.music_dir}")
    if found.configured_music_dir is not None:
        print(
            f"           (your music_dir says {found.configured_music_dir}; the database's is used)"
        )
    return 0


async def cmd_household(engine: EngineAPI, args: argparse.Namespace) -> int:
    if args.household_command == "setup":
        sql = await engine.household_setup(args.members, apply=not args.print_only)
        if args.print_only:
            print(";\n".join(sql) + ";")
        else:
            print(
                f"{len(args.members)} member(s) set up: each connects as their own role and "
                "sees only their own plays, likes, queue and playlists"
            )
        return 0
    folder = await engine.set_household_music_dir(args.folder)
    print(f"the music dir of everyone of this database is {folder}")
    return 0


COMMANDS = {"whoami": cmd_whoami, "household": cmd_household}
