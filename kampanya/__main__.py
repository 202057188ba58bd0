"""`python -m kampanya` runs the command line."""

from kampanya.cli import main

raise SystemExit(main())
