"""``python -m kcdc_hep``: the ``kcdc-hep`` command line (:func:`kcdc_hep.cli.main`)."""

from __future__ import annotations

import sys

from kcdc_hep.cli import main

if __name__ == "__main__":
    sys.exit(main())
