"""``python -m msrwe``: the same as the ``msrwe`` command."""

from msrwe.cli.main import main

if __name__ == "__main__":
    main()
