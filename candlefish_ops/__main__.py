"""Allows `python -m candlefish_ops`, the same as the `candlefish` console script."""

from candlefish_ops.cli import main

if __name__ == "__main__":
    main()
