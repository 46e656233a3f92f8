"""Commands: `flask --app app ledger verify | key | checkpoint`."""
from __future__ import annotations

import sys

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from casework.extensions import db
from casework.models import utcnow

ledger_cli = AppGroup("ledger", help="The deposit ledger: verify it, print its key, make a checkpoint.")


def register(app: Flask) -> None:
    app.cli.add_command(ledger_cli)


@ledger_cli.command("verify")
@click.option("--no-rehash", is_flag=True, help="check that blobs exist and their sizes, without rehashing them")
@click.option("--quiet", is_flag=True, help="print problems and the summary only")
def verify_command(no_rehash: bool, quiet: bool):
    """Recompute the tree from the stored entries and check nodes, checkpoints and blobs."""
    from casework.ledger.check import check_log
    from casework.services import ledger
    from casework.storage import get_storage

    try:
        verifier = ledger.verifier_key()
    except ledger.LedgerError as exc:
        raise click.ClickException(str(exc)) from None
    progress = None if quiet else (lambda line: click.echo(line, err=True))
    report = check_log(db.session, verifier=verifier, origin=current_app.config["LEDGER_ORIGIN"],
                       storage=get_storage(), check_blobs=not no_rehash, progress=progress)
    db.session.rollback()  # read only
    for problem in report.problems:
        click.echo(f"PROBLEM {problem}")
    for kind, count in report.suppressed.items():
        click.echo(f"PROBLEM {kind}: {count} more not shown")
    for leftover in report.leftovers:
        click.echo(f"LEFTOVER {leftover}")
    summary = (f"{report.entries} entries, {report.nodes} nodes, {report.checkpoints} checkpoints, "
               f"{report.work_files} work files, {report.blobs} blobs checked")
    if report.ok:
        click.echo(f"OK: {summary}")
        return
    count = len(report.problems) + sum(report.suppressed.values())
    click.echo(f"FAILED: {count} problem(s); {summary}")
    sys.exit(1)


@ledger_cli.command("key")
def key_command():
    """Print the log's verifier key (C2SP note format), generating the key on first use."""
    from casework.services import ledger

    try:
        click.echo(str(ledger.verifier_key()))
    except ledger.LedgerError as exc:
        raise click.ClickException(str(exc)) from None


@ledger_cli.command("checkpoint")
def checkpoint_command():
    """Sign a checkpoint of the whole tree now (and timestamp it if TSA_URL is set); print it."""
    from casework.services import ledger
    from casework.services.actor import Actor

    try:
        checkpoint = ledger.make_checkpoint(now=utcnow(), actor=Actor.system("cli"))
    except ledger.LedgerError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from None
    db.session.commit()
    click.echo(checkpoint.note, nl=False)
    if checkpoint.timestamp_token:
        click.echo(f"(RFC 3161 timestamp token: {len(checkpoint.timestamp_token)} bytes)", err=True)
