"""Command-line tools: `flask --app app <command>`."""
from __future__ import annotations

import click
from flask import Flask
from sqlalchemy import select

from casework.extensions import db
from casework.models import ROLES, ApiToken, RightsHolder, User, utcnow
from casework.services import accounts
from casework.services.actor import Actor


def register(app: Flask) -> None:
    app.cli.add_command(create_user)
    app.cli.add_command(create_token)
    app.cli.add_command(revoke_token)
    app.cli.add_command(seed_demo)
    from casework import cli_extra

    cli_extra.register(app)


def _fail(message: str) -> None:
    raise click.ClickException(message)


@click.command("create-user")
@click.argument("email")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--name", default="")
@click.option("--rights-holder", "holder_id", type=int, help="id of the rights holder (creators only)")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
def create_user(email, role, name, holder_id, password):
    """Create a user with a role."""
    holder = db.session.get(RightsHolder, holder_id) if holder_id else None
    if holder_id and holder is None:
        _fail(f"there is no rights holder with id {holder_id}")
    try:
        user = accounts.create_user(email, name, role, password, actor=Actor.system("cli"), now=utcnow(),
                                    rights_holder=holder)
    except accounts.AccountError as exc:
        _fail(str(exc))
    db.session.commit()
    click.echo(f"created user {user.id}: {user.email} ({user.role})")


@click.command("create-token")
@click.argument("email")
@click.option("--name", default="cli", help="a label to recognise the token by")
@click.option("--scope", "scopes", multiple=True, type=click.Choice(accounts.SCOPES), default=accounts.SCOPES)
def create_token(email, name, scopes):
    """Create an API token for a user; the token is the last line printed."""
    user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        _fail(f"there is no user with e-mail {email}")
    if not user.active:
        _fail(f"{email} is deactivated")
    token, clear = accounts.create_token(user, actor=Actor.system("cli"), now=utcnow(), name=name, scopes=scopes)
    db.session.commit()
    click.echo(f"token {token.id} ({', '.join(token.scopes)}) for {user.email}; it is shown only now:")
    click.echo(clear)


@click.command("revoke-token")
@click.argument("token_id", type=int)
def revoke_token(token_id):
    """Revoke an API token by its id."""
    token = db.session.get(ApiToken, token_id)
    if token is None:
        _fail(f"there is no token with id {token_id}")
    accounts.revoke_token(token, actor=Actor.system("cli"), now=utcnow())
    db.session.commit()
    click.echo(f"revoked token {token_id}")


@click.command("seed-demo")
def seed_demo():
    """Load demo data (idempotent): accounts, rights holders and the work of every domain."""
    from casework import seed

    report = seed.run(now=utcnow())
    db.session.commit()
    for line in report:
        click.echo(line)
