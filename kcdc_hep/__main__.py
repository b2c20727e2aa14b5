from kcdc_hep.cli import main
import sys

sys.exit(main())
