"""Every message the exercises show, in English and German side by side, and the language they are shown in.

A message is a template keyed by a short name (``"count.columns"``): those of the frame (what :func:`check` says
around a verdict, what an answer of the wrong kind gets) here, the checks' own hints in
:mod:`~kcdc_hep.classroom.exercises.hints`. :func:`say` fills in its values in the current language
(:func:`set_language`; a German notebook calls ``exercises.language("de")``). Each key has every language of
:data:`LANGUAGES`, with the same ``{placeholders}`` (tested), so that no student ever meets a missing text.

>>> say("answer.quotes", answer="'42'")
"You wrote the number as text ('42'). Remove the quotes around it."
>>> _ = set_language("de")
>>> say("answer.quotes", answer="'42'")
"Du hast die Zahl als Text geschrieben ('42'). Lass die Anführungszeichen weg."
>>> _ = set_language("en")
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Literal

from kcdc_hep.classroom.exercises.hints import CHECK_MESSAGES
from kcdc_hep.errors import ArgumentError

__all__ = ["LANGUAGES", "MESSAGES", "Language", "current_language", "say", "set_language"]

#: A language of the exercises.
Language = Literal["en", "de"]
#: The languages every message and exercise text comes in.
LANGUAGES: tuple[str, ...] = ("en", "de")

_state: dict[str, str] = {"lang": "en"}

_M: dict[str, dict[str, str]] = {
    # ---------------------------------------------------------------- frame (exercises/__init__)
    "head.passed": {"en": "✔ Well done!", "de": "✔ Gut gemacht!"},
    "head.not_yet": {"en": "✘ Not yet.", "de": "✘ Noch nicht."},
    "head.no_answer": {"en": "… No answer yet.", "de": "… Noch keine Antwort."},
    "solution.title": {"en": "Solution (tutor mode)", "de": "Lösung (Tutor-Modus)"},
    "title.exercise": {"en": "Exercise {id}: {title}", "de": "Aufgabe {id}: {title}"},
    "title.hint": {"en": "Hint for {id}", "de": "Tipp zu {id}"},
    "title.solution": {"en": "Solution for {id}", "de": "Lösung zu {id}"},
    "solution.refused": {
        "en": "Solutions are for tutors. Try a hint first: hint({id!r})",
        "de": "Lösungen sind für Tutorinnen und Tutoren. Probier zuerst einen Tipp: hint({id!r})",
    },
    "no_exercise": {
        "en": "there is no exercise {id!r}; did you mean {close}?",
        "de": "es gibt keine Aufgabe {id!r}; meintest du {close}?",
    },
    "or": {"en": " or ", "de": " oder "},
    "no_context": {
        "en": "The checker does not know which showers you are working with. Run the cell with exercises.use({call}) "
        "near the top of the notebook first, then check again.",
        "de": "Die Prüfung weiß nicht, mit welchen Schauern du arbeitest. Führe zuerst die Zelle mit "
        "exercises.use({call}) oben im Notebook aus und prüfe dann noch einmal.",
    },
    "no_answer": {
        "en": "There is no answer yet: replace the ... with your line of code, run the cell, then check.",
        "de": "Noch keine Antwort: Ersetze die ... durch deine Code-Zeile, führe die Zelle aus und prüfe dann.",
    },
    "confused": {
        "en": "The checker could not make sense of your answer ({error}). Check that it is the kind of thing the "
        "exercise asks for, then try again.",
        "de": "Die Prüfung versteht deine Antwort nicht ({error}). Prüfe, ob sie das ist, wonach die Aufgabe fragt, "
        "und versuche es noch einmal.",
    },
    "broken": {
        "en": "Something went wrong while checking ({error}). Ask your tutor to have a look.",
        "de": "Beim Prüfen ist etwas schiefgegangen ({error}). Bitte deine Tutorin oder deinen Tutor nachzusehen.",
    },
    # ---------------------------------------------------------------- answers (kinds of answer)
    "answer.text": {
        "en": "You wrote text ({answer}). Write the number itself, without quotes.",
        "de": "Du hast Text geschrieben ({answer}). Schreib die Zahl selbst, ohne Anführungszeichen.",
    },
    "answer.quotes": {
        "en": "You wrote the number as text ({answer}). Remove the quotes around it.",
        "de": "Du hast die Zahl als Text geschrieben ({answer}). Lass die Anführungszeichen weg.",
    },
    "answer.bool": {
        "en": "You gave True/False; the exercise asks for {what}.",
        "de": "Du hast True/False angegeben; die Aufgabe fragt nach {what}.",
    },
    "answer.kind": {
        "en": "You gave {kind}; the exercise asks for {what}.",
        "de": "Du hast {kind} angegeben; die Aufgabe fragt nach {what}.",
    },
    "answer.not_finite": {
        "en": "Your answer is {value} (not a real number). Something went wrong in your calculation.",
        "de": "Deine Antwort ist {value} (keine richtige Zahl). In deiner Rechnung ist etwas schiefgegangen.",
    },
    "answer.word": {
        "en": "You gave {kind}; answer with a word in quotes: {choices}.",
        "de": "Du hast {kind} angegeben; antworte mit einem Wort in Anführungszeichen: {choices}.",
    },
    "answer.table": {
        "en": "You gave a table of showers with the columns {columns}; the exercise asks for {what}.",
        "de": "Du hast eine Tabelle von Schauern mit den Spalten {columns} angegeben; die Aufgabe fragt nach {what}.",
    },
    "answer.shape": {
        "en": "Your answer has the shape {shape}; the exercise asks for {what} (one list of numbers).",
        "de": "Deine Antwort hat die Form {shape}; die Aufgabe fragt nach {what} (einer Liste von Zahlen).",
    },
    "answer.hist_axes": {
        "en": "Your histogram has {n} axes; the exercise asks for a 1-D histogram.",
        "de": "Dein Histogramm hat {n} Achsen; die Aufgabe fragt nach einem 1-D-Histogramm.",
    },
    "answer.drawing": {
        "en": "You gave the drawing of the histogram; give the histogram itself (before plotting it).",
        "de": "Du hast die Zeichnung des Histogramms angegeben; gib das Histogramm selbst an (vor dem Zeichnen).",
    },
    "answer.not_hist": {
        "en": "You gave {kind}; the exercise asks for a histogram (made with kcdc_hep.histograms, np.histogram or "
        "plt.hist).",
        "de": "Du hast {kind} angegeben; die Aufgabe fragt nach einem Histogramm (gemacht mit kcdc_hep.histograms, "
        "np.histogram oder plt.hist).",
    },
    "kind.text": {"en": "text ({text})", "de": "Text ({text})"},
    "kind.long_text": {"en": "text", "de": "Text"},
    "kind.bool": {"en": "True/False ({value})", "de": "True/False ({value})"},
    "kind.list": {"en": "a list of {n} things", "de": "eine Liste mit {n} Einträgen"},
    "kind.array": {"en": "an array of {n} numbers", "de": "ein Array mit {n} Zahlen"},
    "kind.number": {"en": "a number", "de": "eine Zahl"},
    "kind.other": {"en": "a {name}", "de": "ein Objekt vom Typ {name}"},
    "what.number": {"en": "one number", "de": "einer Zahl"},
    "what.count": {"en": "one whole number (how many showers)", "de": "einer ganzen Zahl (wie viele Schauer)"},
    "what.mean": {"en": "one number (the mean of lgE)", "de": "einer Zahl (dem Mittelwert von lgE)"},
    "what.selection": {
        "en": "the selected showers (or how many there are)",
        "de": "den ausgewählten Schauern (oder ihrer Anzahl)",
    },
    "what.factor": {"en": "one number (how many times more)", "de": "einer Zahl (wie viel Mal mehr)"},
    "what.difference": {"en": "one number (a difference of lgNmu)", "de": "einer Zahl (einem Unterschied von lgNmu)"},
    "what.ratios": {"en": "one ratio per shower", "de": "einem Verhältnis pro Schauer"},
    "what.pev": {"en": "one number in PeV", "de": "einer Zahl in PeV"},
    "what.lnA": {"en": "one number (ln A of iron)", "de": "einer Zahl (ln A von Eisen)"},
    "what.mean_lnA": {"en": "one number (⟨ln A⟩)", "de": "einer Zahl (⟨ln A⟩)"},
    "what.fraction": {"en": "one number between 0 and 1", "de": "einer Zahl zwischen 0 und 1"},
    # ---------------------------------------------------------------- shared hints
    "precision": {
        "en": "Close, but not precise enough: give the value with at least {digits} significant digits (as the "
        "notebook prints it), or straight from your calculation.",
        "de": "Fast, aber nicht genau genug: Gib den Wert mit mindestens {digits} gültigen Ziffern an (so wie das "
        "Notebook ihn ausgibt) oder direkt aus deiner Rechnung.",
    },
    "too_large": {"en": "too large", "de": "zu groß"},
    "too_small": {"en": "too small", "de": "zu klein"},
    "percent": {
        "en": "That is in percent. Give a fraction between 0 and 1.",
        "de": "Das ist in Prozent. Gib einen Anteil zwischen 0 und 1 an.",
    },
    "ctx.wrong_kind": {
        "en": "The checker was given {kind} as {name!r}; exercises.use({name}=...) needs showers read with "
        "kcdc_hep.read.",
        "de": "Die Prüfung hat {kind} als {name!r} bekommen; exercises.use({name}=...) braucht Schauer, die mit "
        "kcdc_hep.read gelesen wurden.",
    },
    "ctx.missing_columns": {
        "en": "This check needs the column(s) {missing}, which the {name!r} showers do not have (they have "
        "{present}). Ask your tutor which file to use.",
        "de": "Diese Prüfung braucht die Spalte(n) {missing}, die die Schauer {name!r} nicht haben (sie haben "
        "{present}). Frag deine Tutorin oder deinen Tutor, welche Datei du nehmen sollst.",
    },
    "ctx.classifier": {
        "en": "exercises.use(classifier=...) needs the classifier from kcdc_hep.ml.train_classifier.",
        "de": "exercises.use(classifier=...) braucht den Klassifikator aus kcdc_hep.ml.train_classifier.",
    },
    "ctx.elements": {
        "en": "exercises.use(elements=...) needs element spectra such as "
        "kcdc_hep.reference.published_element_spectra().",
        "de": "exercises.use(elements=...) braucht Elementspektren wie kcdc_hep.reference.published_element_spectra().",
    },
    "ctx.spectrum": {
        "en": "exercises.use(spectrum=...) needs a spectrum such as kcdc_hep.reference.published_all_particle().",
        "de": "exercises.use(spectrum=...) braucht ein Spektrum wie kcdc_hep.reference.published_all_particle().",
    },
}

if set(_M) & set(CHECK_MESSAGES):  # pragma: no cover - a programming error, caught by the tests
    raise RuntimeError(f"messages defined twice: {sorted(set(_M) & set(CHECK_MESSAGES))}")

#: Every message by key (those of the frame above and the checks' of :mod:`~.hints`), each in all :data:`LANGUAGES`.
MESSAGES: MappingProxyType[str, MappingProxyType[str, str]] = MappingProxyType(
    {k: MappingProxyType(v) for k, v in {**_M, **CHECK_MESSAGES}.items()}
)


def set_language(lang: Language) -> str:
    """Show the exercises' messages and texts in ``lang`` from now on (``"en"`` or ``"de"``); returns it.

    Raises
    ------
    ArgumentError
        For a language the exercises do not come in.
    """
    if lang not in LANGUAGES:
        msg = f"language {lang!r}: the exercises come in {', '.join(LANGUAGES)}"
        raise ArgumentError(msg)
    _state["lang"] = lang
    return lang


def current_language() -> str:
    """The language messages are shown in (``"en"`` unless :func:`set_language` chose another)."""
    return _state["lang"]


def say(key: str, /, **values: object) -> str:
    """The message ``key`` in the current language, with its ``{placeholders}`` filled from ``values``."""
    texts = MESSAGES[key]
    return texts.get(_state["lang"], texts["en"]).format(**values)
