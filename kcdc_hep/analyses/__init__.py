"""The jobs built on the library: each reads inputs, runs the library's steps and writes its outputs.

- :mod:`kcdc_hep.analyses.example`: :func:`~kcdc_hep.analyses.example.run`, the pure-Python twin of KCDC's
  ``KCDC_analyze_example.C`` (same printout, histograms and entries, bin for bin);
- :mod:`kcdc_hep.analyses.compare`: :func:`~kcdc_hep.analyses.compare.compare_files`, two ROOT files histogram by
  histogram;
- :mod:`kcdc_hep.analyses.masterclass`: :func:`~kcdc_hep.analyses.masterclass.run_masterclass`, the main job.
"""

__all__: list[str] = []  # the jobs/classroom live in the modules of this package
