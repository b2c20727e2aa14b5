"""Write events (and histograms) to files: atomically (temporary file + rename), never silently overwriting.

- :func:`write`, :func:`write_chunks`: events to ROOT (KCDC-layout TTrees), Parquet or CSV
  (:mod:`kcdc_hep.writers.events`).
"""

from __future__ import annotations

from kcdc_hep.writers.events import write, write_chunks

__all__ = ["write", "write_chunks"]
