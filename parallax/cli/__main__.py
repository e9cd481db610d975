"""`python -m parallax.cli`: the command line (the benchmarks start it this way)."""

from parallax.cli.app import main

if __name__ == "__main__":  # not when a spawned worker re-runs this module as __mp_main__
    main()
