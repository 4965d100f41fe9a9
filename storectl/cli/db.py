"""`storectl db …`: where the database is, migrations, backup, integrity."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from storectl.cli.common import JsonOpt, database, emit, guard, notice
from storectl.output import table

app = typer.Typer(no_args_is_help=True, help="Database: path, migrations, backup, integrity check.")


@app.command()
def path(json_: JsonOpt = False) -> None:
    """Print the database in use (from --db, STORECTL_DB or the default).

    Example: storectl db path
    """
    with guard(json_):
        db = database()
        result = {"url": db.url, "path": str(db.path) if db.path else None, "exists": db.exists()}
        emit(result, json_, lambda r: typer.echo(r["path"] or r["url"]))


@app.command()
def upgrade(json_: JsonOpt = False) -> None:
    """Migrate the database to the newest schema.

    Example: storectl db upgrade
    """
    from storectl.services.shop import maintenance

    with guard(json_):
        result = maintenance.upgrade(database())
        emit(result, json_, lambda r: notice(f"at revision {r['revision']} (was {r['from']})"))


@app.command()
def current(json_: JsonOpt = False) -> None:
    """Show the database's schema revision and whether it is up to date.

    Example: storectl db current --json
    """
    from storectl.services.shop import maintenance

    with guard(json_):
        result = maintenance.current(database())
        emit(result, json_, lambda r: typer.echo(f"{r['revision'] or '(none)'}{' (head)' if r['up_to_date'] else ' — head is ' + r['head']}"))


@app.command()
def backup(
    to: Annotated[Optional[str], typer.Option("--to", help="File or folder for the copy.")] = None,
    keep: Annotated[Optional[int], typer.Option("--keep", min=1, max=100_000, help="Keep only the newest N backups there.")] = None,
    json_: JsonOpt = False,
) -> None:
    """Make a consistent copy of the database while others keep working (owner-only file).

    Example: storectl db backup --to /srv/backups --keep 14
    """
    from storectl.services.shop import maintenance

    with guard(json_):
        result = maintenance.backup(database(), to=to, keep=keep)
        emit(result, json_, lambda r: notice(f"backup written: {r['path']} ({r['bytes']:,} bytes)"))


@app.command()
def check(json_: JsonOpt = False) -> None:
    """Check integrity and the ledger invariants; silent with exit 0 when all is well.

    Example: storectl db check
    """
    from storectl.services.shop import maintenance

    with guard(json_):
        problems = maintenance.check(database())
        if json_:
            emit({"ok": not problems, "problems": problems}, True)
        elif problems:
            table("db check found problems", ["check", "document", "problem"], [(p["check"], p["doc"] or "", p["message"]) for p in problems])
        if problems:
            raise typer.Exit(1)


@app.command()
def restore(
    file: Annotated[str, typer.Argument(help="A backup made by storectl db backup.")],
    json_: JsonOpt = False,
) -> None:
    """Replace the database with a backup, after checking the backup is sound.

    Example: storectl db restore /srv/backups/store-20261130-021500.db
    """
    from storectl.services.shop import maintenance

    with guard(json_):
        result = maintenance.restore(database(), source=file)
        emit(result, json_, lambda r: notice(f"restored {r['from']} → {r['path']}"))
