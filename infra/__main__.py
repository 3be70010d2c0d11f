"""``python -m infra`` runs the hatang command line."""

from infra.cli import run

run()
