"""The `candlefish` command: global options, the one error handler, and the areas joined with add_typer."""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path

import typer
from typer._click.exceptions import ClickException
from typer.core import TyperGroup

from candlefish_ops import __version__, ui
from candlefish_ops.cli import cdn, dns, edge, local, probe, report, site, waf
from candlefish_ops.cli import deploy as deploy_commands
from candlefish_ops.cli import preflight as preflight_commands
from candlefish_ops.context import AppContext
from candlefish_ops.echo import one_line
from candlefish_ops.errors import CandlefishError

SHORT_LINE = 300  # click's usage errors quote the bad value: at most this much of it
_GLOBAL_FLAGS = {"--yes", "-y", "--debug", "--local"}
_GLOBAL_WITH_VALUE = {"--output", "-o", "--config-dir"}


def hoist_global_options(args: list[str]) -> list[str]:
    """Move global options to the front, so they work wherever habit puts them."""
    front, rest, index = [], [], 0
    while index < len(args):
        arg = args[index]
        if arg == "--":
            rest.extend(args[index:])
            break
        if arg in _GLOBAL_FLAGS or arg.split("=", 1)[0] in _GLOBAL_WITH_VALUE and "=" in arg:
            front.append(arg)
        elif arg in _GLOBAL_WITH_VALUE and index + 1 < len(args):
            front.extend(args[index:index + 2])
            index += 1
        else:
            rest.append(arg)
        index += 1
    return front + rest


class CandlefishGroup(TyperGroup):
    """The root group: hoists global options and turns every CandlefishError into one stderr line."""

    def main(self, args=None, prog_name=None, **extra):
        args = list(sys.argv[1:] if args is None else args)
        return super().main(args=hoist_global_options(args), prog_name=prog_name or "candlefish", **extra)

    def make_context(self, info_name, args, parent=None, **extra):
        try:
            return super().make_context(info_name, args, parent=parent, **extra)
        except ClickException as error:  # a bad global option: click prints it; keep the value short
            error.message = one_line(error.message, SHORT_LINE)
            raise

    def invoke(self, ctx: typer.Context):
        try:
            return super().invoke(ctx)
        except ClickException as error:  # a bad argument or option of a command: as above
            error.message = one_line(error.message, SHORT_LINE)
            raise
        except (typer.Exit, typer.Abort, typer.TyperException):
            raise
        except CandlefishError as error:
            _report(ctx, error, str(error))
            raise typer.Exit(error.exit_code) from error
        except KeyboardInterrupt:
            ui.error("interrupted; AWS is left consistent: rerun the same command to resume")
            raise typer.Exit(130) from None
        except Exception as error:  # a bug: still one line, with the way to see more
            _report(ctx, error, f"internal error: {type(error).__name__}: {error} (rerun with --debug)")
            raise typer.Exit(1) from error
        finally:
            if isinstance(ctx.obj, AppContext):
                ctx.obj.close()


def _report(ctx: typer.Context, error: BaseException, line: str) -> None:
    """Print the error as one line: credentials in URLs hidden, control characters escaped, long input cut."""
    if isinstance(ctx.obj, AppContext) and ctx.obj.debug:
        import traceback

        traceback.print_exception(error, file=sys.stderr)
    ui.error(one_line(line))


class OutputFormat(str, Enum):
    table = "table"
    json = "json"
    csv = "csv"


def _show_version(value: bool) -> None:
    if value:
        print(f"candlefish {__version__}")
        raise typer.Exit()


app = typer.Typer(
    cls=CandlefishGroup,
    help="Deploy and run the Candlefish.ai edge platform on AWS (or on the embedded emulator with --local).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


@app.callback()
def root(
    ctx: typer.Context,
    config_dir: Path = typer.Option(Path("config"), "--config-dir", envvar="CANDLEFISH_CONFIG_DIR",
                                    help="Directory holding ENV.yaml files."),
    output: OutputFormat = typer.Option(OutputFormat.table, "--output", "-o", help="table, json (csv: report costs, waf export)."),
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation."),
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks."),
    local: bool = typer.Option(False, "--local", help="Run against a fresh embedded AWS emulator."),
    version: bool = typer.Option(False, "--version", callback=_show_version, is_eager=True,
                                 help="Show the version and exit."),
) -> None:
    """Global options may be given before or after the command."""
    ctx.obj = AppContext(config_dir=config_dir, output=output.value, yes=yes, debug=debug, local=local)


deploy_commands.register(app)
probe.register(app)
preflight_commands.register(app)
app.add_typer(edge.app, name="edge")
app.add_typer(cdn.app, name="cdn")
app.add_typer(site.app, name="site")
app.add_typer(dns.app, name="dns")
app.add_typer(waf.app, name="waf")
app.add_typer(report.app, name="report")
app.add_typer(local.app, name="local")


def main() -> None:
    """Console-script entry point."""
    app()
