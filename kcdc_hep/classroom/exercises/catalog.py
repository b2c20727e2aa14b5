"""The texts of the exercises: title, task, hint and worked solution of each, keyed by exercise id, in course order.

The texts are data, kept apart from the checks (:mod:`~kcdc_hep.classroom.exercises.checks`), with the German
translation beside the English one: :data:`GERMAN` has the same ids (tested), and the worked solutions (code) are
the English ones in both. An id is ``"<notebook number>.<name>"``; the order of :data:`ENGLISH` is the order of the
course, and of :data:`kcdc_hep.classroom.exercises.EXERCISES`.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType

__all__ = ["ENGLISH", "GERMAN", "TEXTS", "ExerciseText"]


@dataclass(frozen=True)
class ExerciseText:
    """What a student reads about one exercise.

    Attributes
    ----------
    title : str
        Short title.
    task : str
        The task in plain words (as in the notebook).
    hint : str
        A general nudge, shown by :func:`kcdc_hep.classroom.exercises.hint`.
    solution : str
        Worked solution, shown in solutions mode only.
    """

    title: str
    task: str
    hint: str
    solution: str


_ENGLISH: dict[str, ExerciseText] = {
    "01.count": ExerciseText(
        title="How many showers?",
        task="How many air showers are in the table `events`?",
        hint="Every row of the table is one shower. Python's len(...) counts rows.",
        solution="answer = len(events)",
    ),
    "01.mean_energy": ExerciseText(
        title="The average energy",
        task="What is the average (mean) of the energy column lgE, in lg(E/eV)?",
        hint="numpy has a function for the average of many numbers; pick the lgE column first: events['lgE'].",
        solution="answer = np.mean(events['lgE'])",
    ),
    "01.histogram": ExerciseText(
        title="Your first histogram",
        task="Make a histogram of the energy lgE with 30 bins from 14 to 18.",
        hint=(
            "histograms.spectrum(events, bins=(number of bins, low, high)) makes the energy histogram "
            "(np.histogram or plt.hist work too)."
        ),
        solution="answer = histograms.spectrum(events, bins=(30, 14, 18))",
    ),
    "02.zenith_cut": ExerciseText(
        title="Nearly vertical showers",
        task="Keep only the showers with a zenith angle of at most 18°.",
        hint="events[events['zenith'] <= angle] keeps the rows where the condition is True.",
        solution="answer = events[events['zenith'] <= 18]",
    ),
    "02.falls": ExerciseText(
        title="Events fall with energy",
        task="How many times more showers have 15.0 ≤ lgE < 15.5 than 16.0 ≤ lgE < 16.5?",
        hint="Count the showers in each energy range (np.count_nonzero of a condition), then divide.",
        solution=(
            "lgE = events['lgE']\n"
            "n_low = np.count_nonzero((lgE >= 15.0) & (lgE < 15.5))\n"
            "n_high = np.count_nonzero((lgE >= 16.0) & (lgE < 16.5))\n"
            "answer = n_low / n_high"
        ),
    ),
    "02.muon_shift": ExerciseText(
        title="Iron makes more muons",
        task=(
            "In the simulation, take the showers with 15.0 ≤ lgE < 15.5. How much larger is the mean lgNmu of iron "
            "(Fe) than that of protons (p)?"
        ),
        hint="Select by energy and by primary (sim['primary'] == 'Fe'), average lgNmu for each, subtract.",
        solution=(
            "bin = (sim['lgE'] >= 15.0) & (sim['lgE'] < 15.5)\n"
            "fe = sim[bin & (sim['primary'] == 'Fe')]\n"
            "p = sim[bin & (sim['primary'] == 'p')]\n"
            "answer = np.mean(fe['lgNmu']) - np.mean(p['lgNmu'])"
        ),
    ),
    "02.heavy_side": ExerciseText(
        title="Which side of the line?",
        task="Do iron showers lie 'above' or 'below' the light/heavy line in the electron–muon map?",
        hint="The vertical axis shows the muons. Which primary makes more muons?",
        solution="answer = 'above'",
    ),
    "03.ratio": ExerciseText(
        title="The ratio for every shower",
        task="Compute lgNe / lgNmu for every (vertical) shower of the data.",
        hint="Columns can be divided element by element: vertical['lgNe'] / ...",
        solution="answer = vertical['lgNe'] / vertical['lgNmu']",
    ),
    "03.mu": ExerciseText(
        title="The peak of the protons",
        task="Fit a Gaussian to the ratio histogram of the simulated proton showers. What is μ?",
        hint=(
            "Select the protons, make kcdc_hep.histograms.ratio(...), fit it with kcdc_hep.fit_gauss(...). "
            "μ is called 'Mean' in the fit result."
        ),
        solution=(
            "protons = sim_vertical[sim_vertical['primary'] == 'p']\n"
            "fit_p = kcdc_hep.fit_gauss(kcdc_hep.histograms.ratio(protons))\n"
            "answer = fit_p['Mean']"
        ),
    ),
    "03.sigma": ExerciseText(
        title="The width of the protons",
        task="From the same fit, what is σ?",
        hint="σ is called 'Sigma' in the fit result.",
        solution="answer = fit_p['Sigma']",
    ),
    "03.lighter": ExerciseText(
        title="Larger ratio",
        task="Which primary gives the larger ratio lgNe/lgNmu: 'p' or 'Fe'?",
        hint="Compare the μ of the proton and of the iron fit.",
        solution="answer = 'p'",
    ),
    "04.knee": ExerciseText(
        title="Where is the knee?",
        task="Fit the published KASCADE spectrum. At what energy, in PeV, is the knee?",
        hint="kcdc_hep.fit_knee(published, model='sharp') fits a bent straight line; E_knee_PeV is the energy.",
        solution="knee = kcdc_hep.fit_knee(published, model='sharp')\nanswer = knee.E_knee_PeV",
    ),
    "04.gamma2": ExerciseText(
        title="Steeper above the knee",
        task="From the same fit: what is the spectral index above the knee?",
        hint="The fit result has gamma1 (below the knee) and gamma2 (above).",
        solution="answer = knee.gamma2",
    ),
    "04.lnA_iron": ExerciseText(
        title="ln A of iron",
        task="Iron has the mass number A = 56. What is ln A?",
        hint="ln is the natural logarithm: np.log.",
        solution="answer = np.log(56)",
    ),
    "04.mean_lnA": ExerciseText(
        title="A mixture",
        task="A sample has 60% protons (A = 1) and 40% iron (A = 56). What is its mean logarithmic mass ⟨ln A⟩?",
        hint="Average ln A, weighting each primary with its fraction: 0.6 · ln 1 + ...",
        solution="answer = 0.6 * np.log(1) + 0.4 * np.log(56)",
    ),
    "04.proton_knee": ExerciseText(
        title="Where do the protons bend?",
        task=(
            "Read off the figure of the element spectra: at what energy do the points of the protons (p) bend? Give "
            "it in PeV, as on the axis, or as lg(E/eV)."
        ),
        hint=(
            "Follow the proton points from the left: they run roughly flat, then fall. Where they start to fall is "
            "their knee; read its energy on the axis."
        ),
        solution=(
            "# by eye: where the proton points start to fall; the fit of a bent straight line does it exactly\n"
            "answer = kcdc_hep.fit_knee(spectra.flux_spectrum('H'), model='sharp').E_knee_PeV"
        ),
    ),
    "04.knee_ratio": ExerciseText(
        title="Helium bends later",
        task="How many times higher is the knee of helium than the knee of the protons?",
        hint="knees['p'] and knees['He'] are the two fits; each has E_knee_PeV. Divide helium's by the protons'.",
        solution="answer = knees['He'].E_knee_PeV / knees['p'].E_knee_PeV",
    ),
    "04.iron_knee": ExerciseText(
        title="Where would iron bend?",
        task=(
            "Iron has the charge Z = 26. If its knee is at the same E/Z (rigidity) as the knee of the protons, at "
            "what energy, in PeV, is the knee of iron?"
        ),
        hint="Protons have Z = 1. Multiply the proton knee, knees['p'].E_knee_PeV, by the charge of iron.",
        solution="answer = 26 * knees['p'].E_knee_PeV",
    ),
    "04.light_falls": ExerciseText(
        title="Lighter or heavier?",
        task=(
            "Above the knee of the all-particle spectrum, does the fraction of light nuclei (p + He) rise or fall? "
            "Answer 'rises' or 'falls'."
        ),
        hint="In the figure of the light fraction, follow the points to the right of the knee (the dotted line).",
        solution="answer = 'falls'  # to the right of the dotted line the points go down",
    ),
    "05.baseline": ExerciseText(
        title="The number to beat",
        task="What fraction of the test showers would you get right by always guessing the larger class?",
        hint=(
            "labels, used = ml.mass_labels(test) gives 0 for each light and 1 for each heavy test shower; the mean "
            "of the labels is the heavy fraction."
        ),
        solution="labels, used = ml.mass_labels(test)\nanswer = max(np.mean(labels), 1 - np.mean(labels))",
    ),
    "05.accuracy": ExerciseText(
        title="How good is the machine?",
        task="What fraction of the test showers does the classifier get right?",
        hint="ml.evaluate(classifier, test) measures it on the test showers.",
        solution="answer = ml.evaluate(classifier, test).accuracy",
    ),
    "05.heavy_data": ExerciseText(
        title="Heavy showers in the data",
        task="What fraction of the vertical showers of the data does the classifier call heavy?",
        hint=(
            "classifier.is_heavy(vertical) gives True/False per shower; the mean of True/False is the fraction of True."
        ),
        solution="answer = np.mean(classifier.is_heavy(vertical))",
    ),
}

#: The English texts by exercise id, in course order.
ENGLISH: MappingProxyType[str, ExerciseText] = MappingProxyType(_ENGLISH)


def _de(ex_id: str, title: str, task: str, hint: str) -> tuple[str, ExerciseText]:
    """A German text; the worked solution is the English one (it is code)."""
    return ex_id, ExerciseText(title=title, task=task, hint=hint, solution=_ENGLISH[ex_id].solution)


_GERMAN = dict(
    [
        _de("01.count", "Wie viele Schauer?", "Wie viele Luftschauer stehen in der Tabelle `events`?",
            "Jede Zeile der Tabelle ist ein Schauer. Pythons len(...) zählt Zeilen."),
        _de("01.mean_energy", "Die mittlere Energie",
            "Was ist der Durchschnitt (Mittelwert) der Energiespalte lgE, in lg(E/eV)?",
            "numpy hat eine Funktion für den Durchschnitt vieler Zahlen; nimm zuerst die Spalte lgE: events['lgE']."),
        _de("01.histogram", "Dein erstes Histogramm",
            "Mach ein Histogramm der Energie lgE mit 30 Bins von 14 bis 18.",
            "histograms.spectrum(events, bins=(Zahl der Bins, von, bis)) macht das Energie-Histogramm "
            "(np.histogram oder plt.hist gehen auch)."),
        _de("02.zenith_cut", "Fast senkrechte Schauer",
            "Behalte nur die Schauer mit einem Zenitwinkel von höchstens 18°.",
            "events[events['zenith'] <= winkel] behält die Zeilen, für die die Bedingung True ist."),
        _de("02.falls", "Ereignisse fallen mit der Energie",
            "Wie viel Mal mehr Schauer haben 15,0 ≤ lgE < 15,5 als 16,0 ≤ lgE < 16,5?",
            "Zähle die Schauer in jedem Energiebereich (np.count_nonzero einer Bedingung) und teile dann."),
        _de("02.muon_shift", "Eisen macht mehr Myonen",
            "Nimm in der Simulation die Schauer mit 15,0 ≤ lgE < 15,5. Um wie viel ist das mittlere lgNmu von Eisen "
            "(Fe) größer als das von Protonen (p)?",
            "Wähle nach Energie und nach Primärteilchen aus (sim['primary'] == 'Fe'), mittle lgNmu für jedes und "
            "subtrahiere."),
        _de("02.heavy_side", "Welche Seite der Linie?",
            "Liegen Eisenschauer in der Elektronen-Myonen-Karte 'above' (oberhalb) oder 'below' (unterhalb) der "
            "Leicht/Schwer-Linie?",
            "Die senkrechte Achse zeigt die Myonen. Welches Primärteilchen macht mehr Myonen?"),
        _de("03.ratio", "Das Verhältnis für jeden Schauer",
            "Berechne lgNe / lgNmu für jeden (senkrechten) Schauer der Daten.",
            "Spalten lassen sich Element für Element teilen: vertical['lgNe'] / ..."),
        _de("03.mu", "Das Maximum der Protonen",
            "Fitte eine Gaußkurve an das Verhältnis-Histogramm der simulierten Protonenschauer. Was ist μ?",
            "Wähle die Protonen aus, mach kcdc_hep.histograms.ratio(...), fitte mit kcdc_hep.fit_gauss(...). μ heißt "
            "im Fit-Ergebnis 'Mean'."),
        _de("03.sigma", "Die Breite der Protonen", "Was ist σ aus demselben Fit?",
            "σ heißt im Fit-Ergebnis 'Sigma'."),
        _de("03.lighter", "Größeres Verhältnis",
            "Welches Primärteilchen gibt das größere Verhältnis lgNe/lgNmu: 'p' oder 'Fe'?",
            "Vergleiche μ aus dem Fit der Protonen und dem des Eisens."),
        _de("04.knee", "Wo ist das Knie?",
            "Fitte das veröffentlichte KASCADE-Spektrum. Bei welcher Energie, in PeV, liegt das Knie?",
            "kcdc_hep.fit_knee(published, model='sharp') fittet eine geknickte Gerade; E_knee_PeV ist die Energie."),
        _de("04.gamma2", "Steiler oberhalb des Knies",
            "Aus demselben Fit: Was ist der Spektralindex oberhalb des Knies?",
            "Das Fit-Ergebnis hat gamma1 (unterhalb des Knies) und gamma2 (oberhalb)."),
        _de("04.lnA_iron", "ln A von Eisen", "Eisen hat die Massenzahl A = 56. Was ist ln A?",
            "ln ist der natürliche Logarithmus: np.log."),
        _de("04.mean_lnA", "Eine Mischung",
            "Ein Datensatz hat 60 % Protonen (A = 1) und 40 % Eisen (A = 56). Was ist seine mittlere logarithmische "
            "Masse ⟨ln A⟩?",
            "Mittle ln A und gewichte jedes Primärteilchen mit seinem Anteil: 0,6 · ln 1 + ..."),
        _de("04.proton_knee", "Wo knicken die Protonen ab?",
            "Lies aus der Abbildung der Elementspektren ab: Bei welcher Energie knicken die Punkte der Protonen (p) "
            "ab? Gib sie in PeV an, wie auf der Achse, oder als lg(E/eV).",
            "Folge den Punkten der Protonen von links: Sie laufen ungefähr flach und fallen dann. Wo sie zu fallen "
            "beginnen, ist ihr Knie; lies seine Energie an der Achse ab."),
        _de("04.knee_ratio", "Helium knickt später ab",
            "Wie viel Mal höher liegt das Knie von Helium als das Knie der Protonen?",
            "knees['p'] und knees['He'] sind die beiden Fits; jeder hat E_knee_PeV. Teile den von Helium durch den "
            "der Protonen."),
        _de("04.iron_knee", "Wo würde Eisen abknicken?",
            "Eisen hat die Ladung Z = 26. Wenn sein Knie bei derselben Steifigkeit E/Z liegt wie das Knie der "
            "Protonen, bei welcher Energie, in PeV, liegt dann das Knie von Eisen?",
            "Protonen haben Z = 1. Multipliziere das Knie der Protonen, knees['p'].E_knee_PeV, mit der Ladung von "
            "Eisen."),
        _de("04.light_falls", "Leichter oder schwerer?",
            "Steigt oder fällt oberhalb des Knies des Gesamtspektrums der Anteil leichter Kerne (p + He)? Antworte "
            "mit 'steigt' oder 'fällt'.",
            "Folge in der Abbildung des leichten Anteils den Punkten rechts vom Knie (der gepunkteten Linie)."),
        _de("05.baseline", "Die Zahl, die es zu schlagen gilt",
            "Welcher Anteil der Testschauer wäre richtig, wenn du immer die größere Klasse rätst?",
            "labels, used = ml.mass_labels(test) gibt 0 für jeden leichten und 1 für jeden schweren Testschauer; "
            "der Mittelwert der labels ist der schwere Anteil."),
        _de("05.accuracy", "Wie gut ist die Maschine?",
            "Welchen Anteil der Testschauer ordnet der Klassifikator richtig ein?",
            "ml.evaluate(classifier, test) misst es auf den Testschauern."),
        _de("05.heavy_data", "Schwere Schauer in den Daten",
            "Welchen Anteil der senkrechten Schauer der Daten nennt der Klassifikator schwer?",
            "classifier.is_heavy(vertical) gibt True/False pro Schauer; der Mittelwert von True/False ist der "
            "Anteil der True."),
    ]
)  # fmt: skip

#: The German texts by exercise id (the ids of :data:`ENGLISH`, in the same order).
GERMAN: MappingProxyType[str, ExerciseText] = MappingProxyType({k: _GERMAN[k] for k in _ENGLISH if k in _GERMAN})

#: The texts of every language by language code; each has the ids of :data:`ENGLISH`.
TEXTS: MappingProxyType[str, MappingProxyType[str, ExerciseText]] = MappingProxyType({"en": ENGLISH, "de": GERMAN})
