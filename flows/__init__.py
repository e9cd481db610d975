"""Prefect flows. They only wire the stage tasks of ``tasks/`` together."""

from parallax.quiet import configure_quiet_env

configure_quiet_env()
