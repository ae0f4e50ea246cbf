import sys

from queuelab.esm.main import main

sys.exit(main())
