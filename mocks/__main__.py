import sys

from mockclaude.cli import main

sys.exit(main())
