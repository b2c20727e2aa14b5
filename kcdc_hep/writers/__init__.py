"""Write events (and histograms) to files: atomically (temporary file + rename), never silently overwriting.

- :func:`write`, :func:`write_chunks`: events to ROOT (KCDC-layout TTrees), HDF5 (the same layout, a group per
  tree; :mod:`kcdc_hep.writers.hdf5`), Parquet or CSV (:mod:`kcdc_hep.writers.events`);
- :func:`write_histograms`: hist objects to a ROOT file as TH1D/TH2D with Sumw2 (:mod:`kcdc_hep.writers.histograms`).
"""

from __future__ import annotations

from kcdc_hep.writers.events import write, write_chunks
from kcdc_hep.writers.histograms import write_histograms

__all__ = ["write", "write_chunks", "write_histograms"]
