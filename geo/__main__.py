"""``python -m geo``: same as the ``geo`` command."""

from geo.cli import main

if __name__ == "__main__":
    main()
