import sys

from kcdc_hep.cli import main

sys.exit(main())
