"""What the checks say, in English and German side by side: praise with the number that makes the point, and the
hint for each typical mistake. Keys are ``"<check>.<case>"``; :func:`~kcdc_hep.classroom.exercises.messages.say`
fills in the ``{placeholders}`` (the same in every language, tested). Data only: no code.
"""

from __future__ import annotations

__all__ = ["CHECK_MESSAGES"]

#: The checks' messages by key, each ``{"en": ..., "de": ...}``.
CHECK_MESSAGES: dict[str, dict[str, str]] = {
    # 01.count
    "count.whole": {
        "en": "You gave {value}, but a number of showers is a whole number.",
        "de": "Du hast {value} angegeben, aber eine Anzahl von Schauern ist eine ganze Zahl.",
    },
    "count.ok": {
        "en": "Yes: the table holds {n} showers, one per row.",
        "de": "Ja: Die Tabelle enthält {n} Schauer, einen pro Zeile.",
    },
    "count.columns": {
        "en": "That is the number of columns (the quantities known per shower). Count the rows.",
        "de": "Das ist die Zahl der Spalten (der Größen pro Schauer). Zähle die Zeilen.",
    },
    "count.header": {
        "en": "One too many: the header line with the column names is not a shower.",
        "de": "Einer zu viel: Die Kopfzeile mit den Spaltennamen ist kein Schauer.",
    },
    "count.wrong": {
        "en": "Your number is {direction}. Tip: len(...) counts the rows of a table.",
        "de": "Deine Zahl ist {direction}. Tipp: len(...) zählt die Zeilen einer Tabelle.",
    },
    # 01.mean_energy
    "mean.ok": {
        "en": "Yes: the average shower has lg(E/eV) = {mean:.3f}, about {pev:.2g} PeV.",
        "de": "Ja: Der durchschnittliche Schauer hat lg(E/eV) = {mean:.3f}, etwa {pev:.2g} PeV.",
    },
    "mean.median": {
        "en": "That is the median (the middle value). The exercise asks for the mean (the average).",
        "de": "Das ist der Median (der mittlere Wert). Die Aufgabe fragt nach dem Mittelwert (Durchschnitt).",
    },
    "mean.column": {
        "en": "That is the average of the column {column!r}. The exercise asks for the energy, lgE.",
        "de": "Das ist der Mittelwert der Spalte {column!r}. Die Aufgabe fragt nach der Energie, lgE.",
    },
    "mean.ev": {
        "en": "That number is huge: you averaged the energies in eV. The exercise asks for the average of the "
        "lgE column itself, the logarithm lg(E/eV).",
        "de": "Diese Zahl ist riesig: Du hast die Energien in eV gemittelt. Die Aufgabe fragt nach dem "
        "Mittelwert der Spalte lgE selbst, des Logarithmus lg(E/eV).",
    },
    "mean.linear": {
        "en": "You turned the logarithms into energies before averaging. Average the lgE values directly.",
        "de": "Du hast die Logarithmen vor dem Mitteln in Energien umgerechnet. Mittle die lgE-Werte direkt.",
    },
    "mean.wrong": {
        "en": "Your value is {direction}. Did you average the lgE of all showers?",
        "de": "Dein Wert ist {direction}. Hast du lgE aller Schauer gemittelt?",
    },
    # 01.histogram
    "hist.bins": {
        "en": "Your histogram has {n} bins; the exercise asks for {expected}.",
        "de": "Dein Histogramm hat {n} Bins; die Aufgabe fragt nach {expected}.",
    },
    "hist.range": {
        "en": "Your histogram goes from {low} to {high}; the exercise asks for lg(E/eV) from {elow} to {ehigh}.",
        "de": "Dein Histogramm reicht von {low} bis {high}; die Aufgabe fragt nach lg(E/eV) von {elow} bis {ehigh}.",
    },
    "hist.width": {
        "en": "Your bins do not all have the same width; the exercise asks for equal bins.",
        "de": "Deine Bins sind nicht alle gleich breit; die Aufgabe fragt nach gleich breiten Bins.",
    },
    "hist.ok": {
        "en": "Yes: {n} showers in {bins} bins. Look how fast the numbers fall towards high energies!",
        "de": "Ja: {n} Schauer in {bins} Bins. Sieh, wie schnell die Zahlen zu hohen Energien hin fallen!",
    },
    "hist.column": {
        "en": "These counts come from the column {column!r}; the exercise asks for the energy lgE.",
        "de": "Diese Einträge kommen aus der Spalte {column!r}; die Aufgabe fragt nach der Energie lgE.",
    },
    "hist.fewer": {
        "en": "Your histogram holds {n} showers, but {expected} showers of the table fall in this range. "
        "Fill it with all the showers.",
        "de": "Dein Histogramm enthält {n} Schauer, aber {expected} Schauer der Tabelle liegen in diesem "
        "Bereich. Fülle es mit allen Schauern.",
    },
    "hist.values": {
        "en": "The bins are right, but the counts differ from those of the lgE column. Which values did you fill?",
        "de": "Die Bins stimmen, aber die Einträge weichen von denen der Spalte lgE ab. Welche Werte hast "
        "du eingefüllt?",
    },
    # 02.zenith_cut
    "zenith.ok": {
        "en": "Yes: {kept} of {n} showers come from within {cut}° of the zenith.",
        "de": "Ja: {kept} von {n} Schauern kommen aus höchstens {cut}° Abstand vom Zenit.",
    },
    "zenith.inclined": {
        "en": "You kept the inclined showers (zenith {cut}° and more). Keep the nearly vertical ones.",
        "de": "Du hast die schrägen Schauer behalten (Zenitwinkel {cut}° und mehr). Behalte die fast senkrechten.",
    },
    "zenith.cut": {
        "en": "You cut at zenith ≤ {guess}°; the exercise asks for {cut}°.",
        "de": "Du hast bei Zenitwinkel ≤ {guess}° geschnitten; die Aufgabe fragt nach {cut}°.",
    },
    "zenith.other": {
        "en": "You kept {kept} showers, but {expected} have zenith ≤ {cut}°. Cut on the zenith angle only.",
        "de": "Du hast {kept} Schauer behalten, aber {expected} haben Zenitwinkel ≤ {cut}°. Schneide nur "
        "auf den Zenitwinkel.",
    },
    "zenith.no_cut": {
        "en": "Your cuts do not cut on the zenith angle at all (zenith_max_deg=None).",
        "de": "Deine Schnitte schneiden gar nicht auf den Zenitwinkel (zenith_max_deg=None).",
    },
    "zenith.mask": {
        "en": "Your True/False list has {n} entries; there are {expected} showers.",
        "de": "Deine True/False-Liste hat {n} Einträge; es gibt {expected} Schauer.",
    },
    "zenith.table": {
        "en": "Give the selected showers (a table with a zenith column), or the number of them.",
        "de": "Gib die ausgewählten Schauer an (eine Tabelle mit einer Spalte zenith) oder ihre Anzahl.",
    },
    "zenith.count": {
        "en": "Your number of showers is {direction}. Check the angle of your cut.",
        "de": "Deine Anzahl von Schauern ist {direction}. Prüfe den Winkel deines Schnitts.",
    },
    # 02.falls
    "falls.too_few": {
        "en": "This sample has {n} showers with {low} ≤ lgE < {high}: too few to check this exercise. "
        "Ask your tutor for the bigger class sample.",
        "de": "Dieser Datensatz hat {n} Schauer mit {low} ≤ lgE < {high}: zu wenige für diese Aufgabe. "
        "Frag nach dem größeren Klassen-Datensatz.",
    },
    "falls.ok": {
        "en": "Yes: {n_low} showers against {n_high}, about {factor:.0f} times more. Ten times the energy, "
        "about {factor:.0f} times fewer showers: the events fall steeply with energy.",
        "de": "Ja: {n_low} Schauer gegen {n_high}, etwa {factor:.0f}-mal so viele. Zehnfache Energie, etwa "
        "{factor:.0f}-mal weniger Schauer: Die Ereignisse fallen steil mit der Energie.",
    },
    "falls.inverse": {
        "en": "You divided the other way round: the answer should be bigger than 1 (more low-energy showers).",
        "de": "Du hast andersherum geteilt: Die Antwort sollte größer als 1 sein (mehr Schauer niedriger Energie).",
    },
    "falls.subtracted": {
        "en": "You subtracted the two numbers. The exercise asks how many TIMES more: divide them.",
        "de": "Du hast die beiden Zahlen subtrahiert. Die Aufgabe fragt, wie viel MAL mehr: Teile sie.",
    },
    "falls.count": {
        "en": "That is the number of showers in one of the two ranges. Divide the two numbers.",
        "de": "Das ist die Zahl der Schauer in einem der beiden Bereiche. Teile die beiden Zahlen.",
    },
    "falls.wrong": {
        "en": "Your factor is {direction}. Check the two energy ranges: {a0}-{a1} and {b0}-{b1}.",
        "de": "Dein Faktor ist {direction}. Prüfe die beiden Energiebereiche: {a0}-{a1} und {b0}-{b1}.",
    },
    # 02.muon_shift
    "shift.too_few": {
        "en": "The simulated sample has too few proton or iron showers in this energy range to check.",
        "de": "Der simulierte Datensatz hat in diesem Energiebereich zu wenige Protonen- oder "
        "Eisenschauer für die Prüfung.",
    },
    "shift.ok": {
        "en": "Yes: iron showers have {shift:.2f} more in lg(Nμ), that is {factor:.1f} times more muons than "
        "proton showers of the same energy.",
        "de": "Ja: Eisenschauer haben {shift:.2f} mehr in lg(Nμ), also {factor:.1f}-mal so viele Myonen wie "
        "Protonenschauer derselben Energie.",
    },
    "shift.sign": {
        "en": "You subtracted the other way round: iron minus proton, please.",
        "de": "Du hast andersherum subtrahiert: bitte Eisen minus Proton.",
    },
    "shift.electrons": {
        "en": "That is the difference of the electron numbers lgNe; the exercise asks for the muons, lgNmu.",
        "de": "Das ist der Unterschied der Elektronenzahlen lgNe; die Aufgabe fragt nach den Myonen, lgNmu.",
    },
    "shift.all_energies": {
        "en": "You used showers of all energies. Keep only those with {low} ≤ lgE < {high}, so that "
        "you compare showers of the same energy.",
        "de": "Du hast Schauer aller Energien genommen. Behalte nur die mit {low} ≤ lgE < {high}, "
        "damit du Schauer gleicher Energie vergleichst.",
    },
    "shift.wrong": {
        "en": "Your difference is {direction}. Compare the mean lgNmu of Fe and of p.",
        "de": "Dein Unterschied ist {direction}. Vergleiche das mittlere lgNmu von Fe und von p.",
    },
    # 02.heavy_side
    "side.ok": {
        "en": "Yes: iron showers have more muons for the same number of electrons, so they lie above the line.",
        "de": "Ja: Eisenschauer haben bei gleicher Elektronenzahl mehr Myonen, also liegen sie oberhalb der Linie.",
    },
    "side.below": {
        "en": "Look again at the iron map: the vertical axis is the number of muons. Do iron showers have "
        "more or fewer muons than proton showers with the same number of electrons?",
        "de": "Schau dir die Eisen-Karte noch einmal an: Die senkrechte Achse ist die Zahl der Myonen. "
        "Haben Eisenschauer mehr oder weniger Myonen als Protonenschauer mit gleich vielen "
        "Elektronen?",
    },
    "side.word": {
        "en": "Answer with the word 'above' or 'below' (you wrote {answer}).",
        "de": "Antworte mit dem Wort 'above' (oberhalb) oder 'below' (unterhalb) (du hast {answer} geschrieben).",
    },
    # 03.ratio
    "ratio.too_few": {
        "en": "The simulated sample has only {n} {primary} showers: too few for this check.",
        "de": "Der simulierte Datensatz hat nur {n} {primary}-Schauer: zu wenige für diese Prüfung.",
    },
    "ratio.length": {
        "en": "Your answer has {n} values, but there are {expected} showers: one ratio per shower.",
        "de": "Deine Antwort hat {n} Werte, aber es gibt {expected} Schauer: ein Verhältnis pro Schauer.",
    },
    "ratio.ok": {
        "en": "Yes: one number per shower, lg(Ne)/lg(Nμ). Most showers lie a little above 1.",
        "de": "Ja: eine Zahl pro Schauer, lg(Ne)/lg(Nμ). Die meisten Schauer liegen etwas über 1.",
    },
    "ratio.inverse": {
        "en": "You divided muons by electrons. The exercise asks for electrons divided by muons.",
        "de": "Du hast Myonen durch Elektronen geteilt. Die Aufgabe fragt nach Elektronen geteilt durch Myonen.",
    },
    "ratio.subtracted": {
        "en": "You subtracted. The exercise asks for the ratio: divide lgNe by lgNmu.",
        "de": "Du hast subtrahiert. Die Aufgabe fragt nach dem Verhältnis: Teile lgNe durch lgNmu.",
    },
    "ratio.wrong": {
        "en": "Your numbers are not lgNe / lgNmu of the showers. Which columns did you use?",
        "de": "Deine Zahlen sind nicht lgNe / lgNmu der Schauer. Welche Spalten hast du benutzt?",
    },
    # 03.mu, 03.sigma
    "gauss.no_parameter": {
        "en": "Your fit result has no parameter {parameter!r}; fit a Gaussian.",
        "de": "Dein Fit-Ergebnis hat keinen Parameter {parameter!r}; fitte eine Gaußkurve.",
    },
    "gauss.ok.Mean": {
        "en": "Yes: μ = {value:.4f} ± {error:.2g} is where the proton showers' ratio peaks.",
        "de": "Ja: μ = {value:.4f} ± {error:.2g} ist die Lage des Maximums bei den Protonenschauern.",
    },
    "gauss.ok.Sigma": {
        "en": "Yes: σ = {value:.4f} ± {error:.2g}, the spread of the proton showers around μ.",
        "de": "Ja: σ = {value:.4f} ± {error:.2g}, die Streuung der Protonenschauer um μ.",
    },
    "gauss.other.Mean": {
        "en": "That is μ (the position of the peak); the exercise asks for σ (the width of the peak).",
        "de": "Das ist μ (die Lage des Maximums); die Aufgabe fragt nach σ (der Breite).",
    },
    "gauss.other.Sigma": {
        "en": "That is σ (the width of the peak); the exercise asks for μ (the position of the peak).",
        "de": "Das ist σ (die Breite); die Aufgabe fragt nach μ (der Lage des Maximums).",
    },
    "gauss.constant": {
        "en": "That is the height of the peak (Constant, in showers per bin).",
        "de": "Das ist die Höhe des Maximums (Constant, in Schauern pro Bin).",
    },
    "gauss.average": {
        "en": "That is the average ratio of all simulated showers. Fit only the proton showers.",
        "de": "Das ist das mittlere Verhältnis aller simulierten Schauer. Fitte nur die Protonenschauer.",
    },
    "gauss.iron": {
        "en": "That is the value for iron showers; the exercise asks for protons (p).",
        "de": "Das ist der Wert für Eisenschauer; die Aufgabe fragt nach Protonen (p).",
    },
    "gauss.wrong": {
        "en": "Your {parameter} is {direction}. Did you fit the ratio of the proton showers?",
        "de": "Dein {parameter} ist {direction}. Hast du das Verhältnis der Protonenschauer gefittet?",
    },
    # 03.lighter
    "lighter.ok": {
        "en": "Yes: proton showers have more electrons and fewer muons, so their ratio lgNe/lgNmu is larger. "
        "Iron showers sit at smaller ratios.",
        "de": "Ja: Protonenschauer haben mehr Elektronen und weniger Myonen, also ist ihr Verhältnis "
        "lgNe/lgNmu größer. Eisenschauer liegen bei kleineren Verhältnissen.",
    },
    "lighter.iron": {
        "en": "Compare your two values of μ again. Heavy nuclei make showers with more muons: what does "
        "that do to electrons divided by muons?",
        "de": "Vergleiche deine beiden Werte von μ noch einmal. Schwere Kerne machen Schauer mit mehr "
        "Myonen: Was bewirkt das bei Elektronen geteilt durch Myonen?",
    },
    "lighter.word": {
        "en": "Answer 'p' or 'Fe' (you wrote {answer}).",
        "de": "Antworte mit 'p' oder 'Fe' (du hast {answer} geschrieben).",
    },
    # 04.knee
    "knee.ok": {
        "en": "Yes: the knee is at about {pev:.1f} PeV = {pev:.1f}·10¹⁵ eV.",
        "de": "Ja: Das Knie liegt bei etwa {pev:.1f} PeV = {pev:.1f}·10¹⁵ eV.",
    },
    "knee.ev": {
        "en": "That looks like an energy in eV. Give it in PeV (1 PeV = 10¹⁵ eV).",
        "de": "Das sieht nach einer Energie in eV aus. Gib sie in PeV an (1 PeV = 10¹⁵ eV).",
    },
    "knee.gev": {
        "en": "That looks like an energy in GeV (the unit of the table). Give it in PeV (1 PeV = 10⁶ GeV).",
        "de": "Das sieht nach einer Energie in GeV aus (der Einheit der Tabelle). Gib sie in PeV an (1 PeV = 10⁶ GeV).",
    },
    "knee.lg": {
        "en": "That looks like lg(E/eV), a logarithm. Give the energy itself in PeV.",
        "de": "Das sieht nach lg(E/eV) aus, einem Logarithmus. Gib die Energie selbst in PeV an.",
    },
    "knee.negative": {"en": "An energy is positive.", "de": "Eine Energie ist positiv."},
    "knee.wrong": {
        "en": "Your knee energy is {direction}. Take E_knee_PeV from the sharp fit of the published spectrum.",
        "de": "Deine Knie-Energie ist {direction}. Nimm E_knee_PeV aus dem scharfen Fit des "
        "veröffentlichten Spektrums.",
    },
    # 04.gamma2
    "gamma2.ok": {
        "en": "Yes: above the knee the flux falls like E^({gamma2:.2f}), steeper than below (E^({gamma1:.2f})).",
        "de": "Ja: Oberhalb des Knies fällt der Fluss wie E^({gamma2:.2f}), steiler als darunter (E^({gamma1:.2f})).",
    },
    "gamma2.sign": {
        "en": "Check the sign: the flux falls with energy, so the spectral index is negative.",
        "de": "Prüfe das Vorzeichen: Der Fluss fällt mit der Energie, also ist der Spektralindex negativ.",
    },
    "gamma2.gamma1": {
        "en": "That is the index below the knee (gamma1). The exercise asks for the one above (gamma2).",
        "de": "Das ist der Index unterhalb des Knies (gamma1). Die Aufgabe fragt nach dem oberhalb (gamma2).",
    },
    "gamma2.wrong": {
        "en": "Your index is {direction}. Take gamma2 from the fit of the spectrum.",
        "de": "Dein Index ist {direction}. Nimm gamma2 aus dem Fit des Spektrums.",
    },
    # 04.lnA_iron
    "lnA.ok": {
        "en": "Yes: ln 56 = {lnA:.3f}. Protons have ln 1 = 0: ln A runs from 0 to about 4.",
        "de": "Ja: ln 56 = {lnA:.3f}. Protonen haben ln 1 = 0: ln A reicht von 0 bis etwa 4.",
    },
    "lnA.log10": {
        "en": "That is the base-10 logarithm (log10). ln is the natural logarithm, np.log.",
        "de": "Das ist der Zehnerlogarithmus (log10). ln ist der natürliche Logarithmus, np.log.",
    },
    "lnA.mass_number": {
        "en": "56 is the mass number A itself. The exercise asks for its natural logarithm ln A.",
        "de": "56 ist die Massenzahl A selbst. Die Aufgabe fragt nach ihrem natürlichen Logarithmus ln A.",
    },
    "lnA.charge": {
        "en": "26 is the charge of iron (its number of protons). The mass number A counts neutrons too.",
        "de": "26 ist die Ladung von Eisen (seine Zahl der Protonen). Die Massenzahl A zählt auch die Neutronen.",
    },
    "lnA.log_charge": {
        "en": "You used 26, the charge of iron. Use the mass number A = 56.",
        "de": "Du hast 26 genommen, die Ladung von Eisen. Nimm die Massenzahl A = 56.",
    },
    "lnA.wrong": {
        "en": "Your value is {direction}. What is the mass number A of iron?",
        "de": "Dein Wert ist {direction}. Was ist die Massenzahl A von Eisen?",
    },
    # 04.mean_lnA
    "mean_lnA.ok": {
        "en": "Yes: ⟨ln A⟩ = 0.6·0 + 0.4·ln 56 = {value:.2f}.",
        "de": "Ja: ⟨ln A⟩ = 0,6·0 + 0,4·ln 56 = {value:.2f}.",
    },
    "mean_lnA.log_of_mean": {
        "en": "You averaged A first and took ln of the average. Take ln A of each, then average.",
        "de": "Du hast zuerst A gemittelt und dann den ln genommen. Nimm ln A von jedem, dann mittle.",
    },
    "mean_lnA.mean_A": {
        "en": "That is the average mass number ⟨A⟩. The exercise asks for the average of ln A.",
        "de": "Das ist die mittlere Massenzahl ⟨A⟩. Die Aufgabe fragt nach dem Mittelwert von ln A.",
    },
    "mean_lnA.log10": {
        "en": "You used log10. ln A is the natural logarithm (np.log).",
        "de": "Du hast log10 benutzt. ln A ist der natürliche Logarithmus (np.log).",
    },
    "mean_lnA.half": {
        "en": "That would be 50% iron. The mixture has 60% protons and 40% iron.",
        "de": "Das wären 50 % Eisen. Die Mischung hat 60 % Protonen und 40 % Eisen.",
    },
    "mean_lnA.wrong": {
        "en": "Your ⟨ln A⟩ is {direction}. Weigh each ln A with its fraction.",
        "de": "Dein ⟨ln A⟩ ist {direction}. Gewichte jedes ln A mit seinem Anteil.",
    },
    # 04.proton_knee
    "pknee.ok": {
        "en": "Yes: the fit of a bent straight line puts the proton knee at {pev:.1f} ± {err:.1f} PeV "
        "(lg(E/eV) = {lg:.2f}). Below it the protons' points run flat in this figure, above it they fall.",
        "de": "Ja: Der Fit einer geknickten Geraden legt das Knie der Protonen auf {pev:.1f} ± {err:.1f} PeV "
        "(lg(E/eV) = {lg:.2f}). Darunter laufen die Punkte der Protonen in dieser Abbildung flach, darüber fallen sie.",
    },
    "pknee.ev": {
        "en": "That looks like an energy in eV. Give it in PeV, as on the axis (1 PeV = 10¹⁵ eV), or as lg(E/eV).",
        "de": "Das sieht nach einer Energie in eV aus. Gib sie in PeV an, wie auf der Achse (1 PeV = 10¹⁵ eV), oder "
        "als lg(E/eV).",
    },
    "pknee.gev": {
        "en": "That looks like an energy in GeV. Give it in PeV, as on the axis (1 PeV = 10⁶ GeV), or as lg(E/eV).",
        "de": "Das sieht nach einer Energie in GeV aus. Gib sie in PeV an, wie auf der Achse (1 PeV = 10⁶ GeV), "
        "oder als lg(E/eV).",
    },
    "pknee.helium": {
        "en": "That is where the helium points (He) bend. Look at the protons (p): on the left their points are the "
        "highest.",
        "de": "Dort knicken die Punkte von Helium (He) ab. Sieh dir die Protonen (p) an: Links liegen ihre Punkte am "
        "höchsten.",
    },
    "pknee.wrong": {
        "en": "Your energy is {direction}. Follow the proton points (p) from the left: up to which energy do they run "
        "flat, and where do they start to fall?",
        "de": "Deine Energie ist {direction}. Folge den Punkten der Protonen (p) von links: Bis zu welcher Energie "
        "laufen sie flach, und wo beginnen sie zu fallen?",
    },
    # 04.knee_ratio
    "kratio.ok": {
        "en": "Yes: {he:.3g} PeV / {p:.3g} PeV = {ratio:.2f} ± {err:.2f} (from the errors of the two fits). Helium "
        "has 2 protons, hydrogen 1: if the knee sits at the same E/Z (rigidity), the ratio is 2.",
        "de": "Ja: {he:.3g} PeV / {p:.3g} PeV = {ratio:.2f} ± {err:.2f} (aus den Fehlern der beiden Fits). Helium "
        "hat 2 Protonen, Wasserstoff 1: Liegt das Knie bei derselben Steifigkeit E/Z, ist das Verhältnis 2.",
    },
    "kratio.inverse": {
        "en": "You divided the other way round: the proton knee by the helium knee. Divide helium by protons.",
        "de": "Du hast andersherum geteilt: das Knie der Protonen durch das von Helium. Teile Helium durch Protonen.",
    },
    "kratio.subtracted": {
        "en": "You subtracted the two energies. The exercise asks how many times higher: divide them.",
        "de": "Du hast die beiden Energien subtrahiert. Die Aufgabe fragt, wie viel Mal höher: Teile sie.",
    },
    "kratio.charge": {
        "en": "2 is what the charges predict (helium has 2 protons, hydrogen 1). What do the measured knees give? "
        "Divide the two fitted knee energies.",
        "de": "2 sagen die Ladungen voraus (Helium hat 2 Protonen, Wasserstoff 1). Was geben die gemessenen Knie? "
        "Teile die beiden gefitteten Knie-Energien.",
    },
    "kratio.mass": {
        "en": "4 is the ratio of the masses (A = 4 and 1). What do the measured knees give? Divide the two fitted "
        "knee energies.",
        "de": "4 ist das Verhältnis der Massen (A = 4 und 1). Was geben die gemessenen Knie? Teile die beiden "
        "gefitteten Knie-Energien.",
    },
    "kratio.wrong": {
        "en": "Your ratio is {direction}. Divide E_knee_PeV of helium by E_knee_PeV of the protons.",
        "de": "Dein Verhältnis ist {direction}. Teile E_knee_PeV von Helium durch E_knee_PeV der Protonen.",
    },
    # 04.iron_knee
    "iron.ok": {
        "en": "Yes: 26 × {p:.3g} PeV = {fe:.0f} PeV. {where}",
        "de": "Ja: 26 × {p:.3g} PeV = {fe:.0f} PeV. {where}",
    },
    "iron.ok.outside": {
        "en": "That is above the highest energy of the KASCADE table ({top:.0f} PeV): the iron knee lies beyond what "
        "these spectra show.",
        "de": "Das liegt über der höchsten Energie der KASCADE-Tabelle ({top:.0f} PeV): Das Knie von Eisen liegt "
        "jenseits dessen, was diese Spektren zeigen.",
    },
    "iron.ok.inside": {
        "en": "That is inside the KASCADE table (up to {top:.0f} PeV): look for the bend of the iron points.",
        "de": "Das liegt innerhalb der KASCADE-Tabelle (bis {top:.0f} PeV): Such den Knick der Eisen-Punkte.",
    },
    "iron.mass": {
        "en": "You multiplied by 56, the mass number of iron. The magnetic field acts on the charge: Z = 26.",
        "de": "Du hast mit 56 multipliziert, der Massenzahl von Eisen. Das Magnetfeld wirkt auf die Ladung: Z = 26.",
    },
    "iron.proton": {
        "en": "That is the proton knee itself. Iron has 26 times the charge: multiply by 26.",
        "de": "Das ist das Knie der Protonen selbst. Eisen hat die 26-fache Ladung: Multipliziere mit 26.",
    },
    "iron.lg": {
        "en": "That looks like lg(E/eV), a logarithm. Give the energy itself in PeV.",
        "de": "Das sieht nach lg(E/eV) aus, einem Logarithmus. Gib die Energie selbst in PeV an.",
    },
    "iron.ev": {
        "en": "That looks like an energy in eV. Give it in PeV (1 PeV = 10¹⁵ eV).",
        "de": "Das sieht nach einer Energie in eV aus. Gib sie in PeV an (1 PeV = 10¹⁵ eV).",
    },
    "iron.gev": {
        "en": "That looks like an energy in GeV. Give it in PeV (1 PeV = 10⁶ GeV).",
        "de": "Das sieht nach einer Energie in GeV aus. Gib sie in PeV an (1 PeV = 10⁶ GeV).",
    },
    "iron.wrong": {
        "en": "Your energy is {direction}. Multiply the proton knee (in PeV) by the charge of iron, 26.",
        "de": "Deine Energie ist {direction}. Multipliziere das Knie der Protonen (in PeV) mit der Ladung von "
        "Eisen, 26.",
    },
    # 04.light_falls
    "light.ok": {
        "en": "Yes: above the knee ({pev:.1f} PeV) the light fraction falls, from {first:.0%} to {last:.0%}. The "
        "light nuclei bend first, so the mixture gets heavier: ⟨ln A⟩ rises.",
        "de": "Ja: Oberhalb des Knies ({pev:.1f} PeV) fällt der leichte Anteil, von {first:.0%} auf {last:.0%}. Die "
        "leichten Kerne knicken zuerst ab, also wird die Mischung schwerer: ⟨ln A⟩ steigt.",
    },
    "light.ok.rises": {
        "en": "Yes: above the knee ({pev:.1f} PeV) the light fraction of these spectra rises, from {first:.0%} to "
        "{last:.0%}.",
        "de": "Ja: Oberhalb des Knies ({pev:.1f} PeV) steigt der leichte Anteil dieser Spektren, von {first:.0%} auf "
        "{last:.0%}.",
    },
    "light.look": {
        "en": "Look again at the points to the right of the knee ({pev:.1f} PeV, the dotted line): from left to "
        "right, do they go up or down?",
        "de": "Sieh dir noch einmal die Punkte rechts vom Knie an ({pev:.1f} PeV, die gepunktete Linie): Gehen sie "
        "von links nach rechts nach oben oder nach unten?",
    },
    "light.word": {
        "en": "Answer 'rises' or 'falls' (you wrote {answer}).",
        "de": "Antworte mit 'steigt' oder 'fällt' (du hast {answer} geschrieben).",
    },
    "light.too_few": {
        "en": "These spectra have fewer than two points above the knee ({pev:.1f} PeV): too few to check.",
        "de": "Diese Spektren haben weniger als zwei Punkte oberhalb des Knies ({pev:.1f} PeV): zu wenige zum Prüfen.",
    },
    # 05.baseline
    "baseline.too_few": {
        "en": "The test showers have no light or heavy primaries: too few to check.",
        "de": "Die Testschauer haben keine leichten oder schweren Primärteilchen: zu wenige zum Prüfen.",
    },
    "baseline.heavy": {"en": "heavy", "de": "schwer"},
    "baseline.light": {"en": "light", "de": "leicht"},
    "baseline.ok": {
        "en": "Yes: always answering '{larger}' would be right for {percent:.1f}% of the test showers. A "
        "classifier has to beat that.",
        "de": "Ja: Immer '{larger}' zu antworten wäre bei {percent:.1f} % der Testschauer richtig. Ein "
        "Klassifikator muss das schlagen.",
    },
    "baseline.smaller": {
        "en": "That is the smaller class. Always guessing the larger class is right more often.",
        "de": "Das ist die kleinere Klasse. Immer die größere Klasse zu raten ist öfter richtig.",
    },
    "baseline.wrong": {
        "en": "Your baseline is {direction}. Count light and heavy test showers.",
        "de": "Deine Vergleichszahl ist {direction}. Zähle leichte und schwere Testschauer.",
    },
    # 05.accuracy
    "accuracy.ok": {
        "en": "Yes: {percent:.1f}% of the test showers are classified right, against {baseline:.1f}% for "
        "always guessing the larger class.",
        "de": "Ja: {percent:.1f} % der Testschauer werden richtig eingeordnet, gegen {baseline:.1f} % "
        "beim Raten der größeren Klasse.",
    },
    "accuracy.train": {
        "en": "That is the accuracy on the training showers, which the classifier has already seen. "
        "Measure it on the test showers.",
        "de": "Das ist die Genauigkeit auf den Trainingsschauern, die der Klassifikator schon kennt. "
        "Miss sie auf den Testschauern.",
    },
    "accuracy.baseline": {
        "en": "That is the baseline (always guessing the larger class). Measure the classifier itself.",
        "de": "Das ist die Vergleichszahl (immer die größere Klasse raten). Miss den Klassifikator selbst.",
    },
    "accuracy.wrong": {
        "en": "Your accuracy is {direction}. Use the test showers and threshold 0.5.",
        "de": "Deine Genauigkeit ist {direction}. Nimm die Testschauer und die Schwelle 0,5.",
    },
    # 05.heavy_data
    "heavy.ok": {
        "en": "Yes: the classifier calls {percent:.1f}% of the showers of the data heavy.",
        "de": "Ja: Der Klassifikator nennt {percent:.1f} % der Schauer in den Daten schwer.",
    },
    "heavy.light": {
        "en": "That is the fraction called light. The exercise asks for heavy.",
        "de": "Das ist der Anteil, der leicht genannt wird. Die Aufgabe fragt nach schwer.",
    },
    "heavy.range": {
        "en": "A fraction lies between 0 and 1. Divide the number of heavy showers by all showers.",
        "de": "Ein Anteil liegt zwischen 0 und 1. Teile die Zahl der schweren Schauer durch alle Schauer.",
    },
    "heavy.wrong": {
        "en": "Your fraction is {direction}. Use all showers of `vertical` and threshold 0.5.",
        "de": "Dein Anteil ist {direction}. Nimm alle Schauer von `vertical` und die Schwelle 0,5.",
    },
}
