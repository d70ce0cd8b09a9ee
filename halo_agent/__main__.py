import sys

from halo_agent.cli import main

sys.exit(main())
