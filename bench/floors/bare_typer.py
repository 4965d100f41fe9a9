"""The floor for `storectl --help`: a bare Typer app with ten commands and nothing else."""

from typing import Annotated, Optional

import typer

app = typer.Typer(help="A bare Typer app: the least a ten-command CLI can cost.", add_completion=False)


def _make(n: int) -> None:
    def command(
        code: Annotated[str, typer.Argument(help="A code.")],
        store: Annotated[Optional[str], typer.Option("--store", help="A store.")] = None,
        json_: Annotated[bool, typer.Option("--json", help="JSON output.")] = False,
    ) -> None:
        typer.echo(f"command {n}: {code} {store} {json_}")

    command.__doc__ = f"Command number {n}: does nothing, quickly."
    app.command(f"cmd{n}")(command)


for _n in range(1, 11):
    _make(_n)


if __name__ == "__main__":
    app()
