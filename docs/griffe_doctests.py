"""Griffe extension for the documentation site: doctest examples become an "Examples" section wherever they stand.

Many kcdc_hep docstrings end with doctest lines (``>>> ...``) straight after their text or their parameters, without
a numpydoc "Examples" heading. ``python -m pytest --doctest-modules`` runs them either way; for the site, griffe would
parse them as part of the section above (a parameter's description, or Markdown where ``[...][1:3]`` looks like a
link). This extension starts an "Examples" section at the first doctest line of a docstring that has none, so they
are shown as code. It changes nothing in the package.
"""

from __future__ import annotations

import re
from typing import Any

import griffe

_HEADING = re.compile(r"^Examples\n-{3,}$", re.M)


class DoctestExamples(griffe.Extension):
    """Give every docstring with doctest lines an "Examples" section."""

    def on_instance(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        docstring = obj.docstring
        if docstring is None or ">>>" not in docstring.value or _HEADING.search(docstring.value):
            return
        lines = docstring.value.split("\n")
        first = next(i for i, line in enumerate(lines) if line.lstrip().startswith(">>>"))
        if first == 0:
            return  # a docstring that is only an example: nothing to separate it from
        indent = len(lines[first]) - len(lines[first].lstrip())
        block = [line[indent:] if line[:indent].strip() == "" else line for line in lines[first:]]
        docstring.value = "\n".join([*lines[:first], "", "Examples", "--------", *block])
