"""The words on the figures in German: axis labels, titles, legends and notes of every masterclass figure.

The figure functions write English. In a German notebook (``exercises.language("de")`` calls :func:`set_language`),
:func:`kcdc_hep.plotting.style` translates the figures drawn inside it when the block ends, with the phrase table
:data:`GERMAN` (English and German side by side; longer phrases first, so that "simulated showers per bin" wins over
"showers"). Numbers, units and symbols stay as they are. A text without a known phrase stays English.

>>> translate("energy lg(E/eV)", "de"), translate("kept 10 of 40 showers (25%)", "de")
('Energie lg(E/eV)', '10 von 40 Schauern behalten (25%)')
"""

from __future__ import annotations

import re
from typing import Any

from kcdc_hep.errors import ArgumentError

__all__ = ["GERMAN", "LANGUAGES", "current_language", "set_language", "translate", "translate_figure"]

#: The languages figures are drawn in.
LANGUAGES: tuple[str, ...] = ("en", "de")
_state = {"lang": "en"}

#: (English, German) phrases of the figures; a phrase with a regular-expression group is a pattern.
GERMAN: tuple[tuple[str, str], ...] = (
    (r"^kept (\d+) of (\d+) showers", r"\1 von \2 Schauern behalten"),
    (r"^simulated showers with (.*)$", r"simulierte Schauer mit \1"),
    (r"^test showers: (.*)% right$", r"Testschauer: \1 % richtig"),
    (r"^\((\d+) showers\)$", r"(\1 Schauer)"),
    ("(not a reliable fit: too few showers, or a slope at its limit)",
     "(kein verlässlicher Fit: zu wenige Schauer oder eine Steigung am Rand)"),
    ("light showers called heavy (fraction)", "leichte Schauer, schwer genannt (Anteil)"),
    ("fraction of showers per unit ratio", "Anteil der Schauer pro Einheit des Verhältnisses"),
    ("heavy showers found (fraction)", "gefundene schwere Schauer (Anteil)"),
    ("synthetic data + simulation", "synthetische Daten + Simulation"),
    ("fraction of showers per 0.1", "Anteil der Schauer pro 0,1"),
    ("above the light/heavy line", "oberhalb der Leicht/Schwer-Linie"),
    ("published KASCADE spectrum", "veröffentlichtes KASCADE-Spektrum"),
    ("template fit (C + Si + Fe)", "Template-Fit (C + Si + Fe)"),
    ("simulated showers per bin", "simulierte Schauer pro Bin"),
    ("number of particles lg(N)", "Teilchenzahl lg(N)"),
    ("too few showers for a fit", "zu wenige Schauer für einen Fit"),
    ("fraction of heavy showers", "Anteil schwerer Schauer"),
    ("classifier: called heavy", "Klassifikator: schwer genannt"),
    ("light: more electrons", "leicht: mehr Elektronen"),
    ("classifier: corrected", "Klassifikator: korrigiert"),
    ("synthetic simulation", "synthetische Simulation"),
    ("guessing (area 0.50)", "Raten (Fläche 0,50)"),
    ("<ln A> from the fit", "<ln A> aus dem Fit"),
    ("fraction of showers", "Anteil der Schauer"),
    ("heavy: more muons", "schwer: mehr Myonen"),
    ("light/heavy line", "Leicht/Schwer-Linie"),
    ("mean mass <ln A>", "mittlere Masse <ln A>"),
    ("showers per bin", "Schauer pro Bin"),
    ("events per bin", "Ereignisse pro Bin"),
    ("classifier says", "Klassifikator sagt"),
    ("energy lg(E/eV)", "Energie lg(E/eV)"),
    ("synthetic data", "synthetische Daten"),
    ("energy E [PeV]", "Energie E [PeV]"),
    ("· flux [", "· Fluss ["),
    ("heavy fraction", "schwerer Anteil"),
    ("this analysis", "diese Analyse"),
    ("true primary", "wahres Primärteilchen"),
    ("all showers", "alle Schauer"),
    ("all energies", "alle Energien"),
    ("Gauss fit:", "Gauß-Fit:"),
    ("knee fit:", "Knie-Fit:"),
    ("electrons", "Elektronen"),
    ("simulated ", "simuliert: "),
    ("threshold", "Schwelle"),
    ("classifier", "Klassifikator"),
    ("events /", "Ereignisse /"),
    ("silicon", "Silizium"),
    ("helium", "Helium"),
    ("carbon", "Kohlenstoff"),
    ("proton", "Proton"),
    ("zenith", "Zenit"),
    ("showers", "Schauer"),
    ("(area ", "(Fläche "),
    ("muons", "Myonen"),
    ("light", "leicht"),
    ("heavy", "schwer"),
    ("iron", "Eisen"),
    ("seed", "Seed"),
    (r"^data$", "Daten"),
)  # fmt: skip

_PATTERNS = [(re.compile(en), de) for en, de in GERMAN if en.startswith("^")]
_PHRASES = sorted(((en, de) for en, de in GERMAN if not en.startswith("^")), key=lambda pair: -len(pair[0]))


def set_language(lang: str) -> str:
    """Draw the masterclass figures in ``lang`` (``"en"`` or ``"de"``) from now on; returns it."""
    if lang not in LANGUAGES:
        msg = f"plotting language {lang!r}: the figures come in {', '.join(LANGUAGES)}"
        raise ArgumentError(msg)
    _state["lang"] = lang
    return lang


def current_language() -> str:
    """The language the figures are drawn in (``"en"`` unless :func:`set_language` chose another)."""
    return _state["lang"]


def translate(text: str, lang: str | None = None) -> str:
    """``text`` in ``lang`` (default: the current language): known phrases replaced, the rest as it is."""
    if (lang or _state["lang"]) == "en" or not text:
        return text
    for pattern, german in _PATTERNS:
        text = pattern.sub(german, text)
    out, pos = [], 0
    while pos < len(text):  # one pass, longest phrase first at each position: a translation is never re-translated
        for english, german in _PHRASES:
            if text.startswith(english, pos):
                out.append(german)
                pos += len(english)
                break
        else:
            out.append(text[pos])
            pos += 1
    return "".join(out)


def translate_figure(fig: Any, lang: str | None = None) -> None:
    """Translate every text of a figure in place: axis labels, titles, legends, notes, colour-bar labels."""
    import matplotlib.text

    if (lang or _state["lang"]) == "en":
        return
    import matplotlib.ticker

    for text in fig.findobj(matplotlib.text.Text):
        current = text.get_text()
        translated = translate(current, lang)
        if translated != current:
            text.set_text(translated)
    for ax in fig.axes:  # named ticks ("light", "heavy") are redrawn from their formatter: translate it there
        for axis in (ax.xaxis, ax.yaxis):
            formatter = axis.get_major_formatter()
            if isinstance(formatter, matplotlib.ticker.FixedFormatter):
                formatter.seq = [translate(str(label), lang) for label in formatter.seq]
            elif isinstance(formatter, matplotlib.ticker.FuncFormatter):  # set_ticks(..., labels=...) makes these
                names = [str(formatter.func(x, i)) for i, x in enumerate(axis.get_ticklocs())]
                if any(translate(name, lang) != name for name in names):
                    axis.set_major_formatter(_translated(formatter.func, lang))


def _translated(func: Any, lang: str | None) -> Any:
    """A tick formatter that writes what ``func`` writes, translated."""
    import matplotlib.ticker

    return matplotlib.ticker.FuncFormatter(lambda x, pos: translate(str(func(x, pos)), lang))
