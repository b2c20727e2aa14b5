"""The classroom: what students and tutors use in Jupyter on top of the library.

- :mod:`kcdc_hep.classroom.lesson`: interactive explorers (ipywidgets) and tables for the notebooks;
- :mod:`kcdc_hep.classroom.exercises`: exercise texts, checks with hints, solutions and the class summary;
- :mod:`kcdc_hep.classroom.lab`: the class workspace (notebooks, samples, kernels) and JupyterLab;
- :mod:`kcdc_hep.classroom.kernels`: the Jupyter kernels (Python and, with ROOT, ROOT C++).
"""

__all__: list[str] = []  # the jobs/classroom live in the modules of this package
