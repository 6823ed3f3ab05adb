"""``python -m agentry``: the line client."""

from agentry.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
