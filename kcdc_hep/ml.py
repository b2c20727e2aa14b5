"""Machine learning for the masterclass: tell light from heavy air showers with a scikit-learn classifier.

The lesson (notebook ``05_machine_learning``) in four steps, one function each:

1. :func:`balance` the simulated showers (as many light as heavy) and :func:`split` them into training and test showers;
2. :func:`train_classifier` learns, from the training showers whose primary is known, which combinations of the
   electron number, the muon number and the zenith angle belong to light (p, He) or heavy (C, Si, Fe) primaries;
3. :func:`evaluate` measures on the *test* showers, which the classifier never saw, how often it is right
   (accuracy, confusion matrix, ROC curve) and compares with the trivial baseline "always guess the larger class";
4. :func:`classified_fraction` applies it to measured showers, energy bin by energy bin, and corrects the raw
   fraction of "heavy" answers for the classifier's known mistakes, so that it can be compared with the template
   fit (:func:`template_heavy_fraction` of a :class:`~kcdc_hep.fits.CompositionResult`).

Only fields present in every masterclass sample are used as features by default (``lgNe``, ``lgNmu``, ``zenith``),
so a classifier trained on simulations applies to sample 1 (``E Ne Nmu Ze``) as well as to sample 3.

scikit-learn is an optional dependency (``pip install 'kcdc_hep[ml]'``); it is imported when first needed.

>>> import awkward as ak
>>> ev = ak.Array({"lgNe": [5.0, 4.6], "lgNmu": [4.0, 4.2], "zenith": [10.0, 12.0], "primary": ["p", "Fe"]})
>>> feature_matrix(ev).shape, mass_labels(ev)[0].tolist()
((2, 3), [0, 1])
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import awkward as ak
import numpy as np

from kcdc_hep import settings
from kcdc_hep._optional import import_optional
from kcdc_hep.errors import SchemaError
from kcdc_hep.histograms import make_axis
from kcdc_hep.schema import lookup_primary, require
from kcdc_hep.selections import column

__all__ = [
    "FEATURES",
    "HEAVY",
    "LIGHT",
    "THREADS_ENV",
    "ClassifiedFraction",
    "Evaluation",
    "LightHeavyClassifier",
    "balance",
    "classified_fraction",
    "evaluate",
    "feature_matrix",
    "mass_labels",
    "split",
    "template_heavy_fraction",
    "train_classifier",
]

#: Features used by default: present in every masterclass sample (lgNe, lgNmu as log10 numbers, zenith in deg).
FEATURES: tuple[str, ...] = ("lgNe", "lgNmu", "zenith")
#: Primaries called "light" (hydrogen and helium nuclei).
LIGHT: tuple[str, ...] = ("p", "He")
#: Primaries called "heavy" (carbon and everything heavier).
HEAVY: tuple[str, ...] = ("C", "Si", "Fe")
#: Environment variable: OpenMP/BLAS threads for training and prediction (default 1).
THREADS_ENV = "KCDC_HEP_ML_THREADS"


@contextlib.contextmanager
def _threads() -> Iterator[None]:
    """Limit scikit-learn's OpenMP (and BLAS) threads, by default to one.

    On a shared class server (24 students on a few cores) or a busy laptop, OpenMP threads of several processes
    compete for the same cores and a fit that takes 0.3 s on one thread took 15 s on two busy cores with all
    threads. One thread per student is fast enough for the class samples and keeps the machine responsive.
    """
    threadpoolctl = import_optional("threadpoolctl")
    with threadpoolctl.threadpool_limits(limits=settings.ml_threads()):
        yield


def _symbols(codes: Sequence[str], *, where: str) -> tuple[str, ...]:
    out = []
    for code in codes:
        found = lookup_primary(code)
        if found is None:
            msg = f"{where}: unknown primary {code!r}; use symbols such as p, He, C, Si, Fe"
            raise SchemaError(msg)
        out.append(found.symbol)
    return tuple(out)


def feature_matrix(events: Any, features: Sequence[str] = FEATURES) -> np.ndarray:
    """The features of each shower as a 2-D array, one row per shower and one column per feature.

    Parameters
    ----------
    events : awkward.Array
        Showers with the fields named in ``features``.
    features : sequence of str
        Canonical field names (default :data:`FEATURES`: lgNe, lgNmu [log10 numbers], zenith [deg]).

    Returns
    -------
    numpy.ndarray
        float64 array of shape (number of showers, number of features); missing values are NaN.

    Raises
    ------
    MissingColumnError
        If a feature is not a field of ``events`` (the message lists those that are).

    Examples
    --------
    >>> feature_matrix(ak.Array({"lgNe": [5.0], "lgNmu": [4.0], "zenith": [10.0]})).tolist()
    [[5.0, 4.0, 10.0]]
    """
    if not features:
        msg = "feature_matrix: no features given; pass field names such as ('lgNe', 'lgNmu', 'zenith')"
        raise SchemaError(msg)
    cols = [np.asarray(column(events, f, where="feature_matrix"), dtype=np.float64) for f in features]
    return np.column_stack(cols)


def mass_labels(
    events: Any, *, light: Sequence[str] = LIGHT, heavy: Sequence[str] = HEAVY
) -> tuple[np.ndarray, np.ndarray]:
    """Labels for the classifier: 1 for a heavy primary, 0 for a light one.

    Parameters
    ----------
    events : awkward.Array
        Simulated showers with a ``primary`` field.
    light, heavy : sequence of str
        Primary symbols of the two classes (default :data:`LIGHT` and :data:`HEAVY`).

    Returns
    -------
    (labels, used) : (numpy.ndarray of int8, numpy.ndarray of bool)
        ``labels[i]`` for the showers with ``used`` True (in order), and the mask of showers whose primary is in one
        of the two classes (others, e.g. photons, are left out).
    """
    where = "mass_labels"
    light_s, heavy_s = _symbols(light, where=where), _symbols(heavy, where=where)
    if set(light_s) & set(heavy_s):
        msg = f"{where}: {sorted(set(light_s) & set(heavy_s))} cannot be both light and heavy"
        raise SchemaError(msg)
    require(ak.fields(events), ["primary"], where=f"{where} (needs simulated showers)")
    primary = column(events, "primary", where=where).astype(str)
    used = np.isin(primary, light_s + heavy_s)
    return np.isin(primary[used], heavy_s).astype(np.int8), used


def balance(events: Any, *, light: Sequence[str] = LIGHT, heavy: Sequence[str] = HEAVY, seed: int = 0) -> ak.Array:
    """Keep as many light as heavy showers (a random subset of the larger class), dropping other primaries.

    In a simulation with the measured composition most showers are light, and a classifier that always answers
    "light" would already be right most of the time. With equal numbers, guessing is right half of the time, and
    whatever the classifier does better it has learnt.

    Parameters
    ----------
    events : awkward.Array
        Simulated showers with ``primary``.
    light, heavy : sequence of str
        Primaries of the two classes.
    seed : int
        Random seed of the subset.

    Returns
    -------
    awkward.Array
        The kept showers, in their original order.

    Examples
    --------
    >>> ev = ak.Array({"primary": ["p", "p", "p", "Fe", "He"]})
    >>> sorted(balance(ev).primary.to_list())
    ['Fe', 'He']
    """
    y, used = mass_labels(events, light=light, heavy=heavy)
    index = np.flatnonzero(used)
    n = min(int(np.sum(y == 0)), int(np.sum(y == 1)))
    rng = np.random.default_rng(seed)
    keep = np.concatenate([rng.choice(index[y == k], size=n, replace=False) for k in (0, 1)])
    return events[np.sort(keep)]


def split(events: Any, *, test_fraction: float = 0.3, seed: int = 0) -> tuple[ak.Array, ak.Array]:
    """Split showers at random into training and test showers.

    Parameters
    ----------
    events : awkward.Array
        Showers.
    test_fraction : float
        Fraction kept aside for testing, between 0 and 1 (default 0.3).
    seed : int
        Random seed: the same seed gives the same split.

    Returns
    -------
    (train, test) : (awkward.Array, awkward.Array)

    Examples
    --------
    >>> train, test = split(ak.Array({"lgNe": np.arange(10.0)}), test_fraction=0.3)
    >>> len(train), len(test)
    (7, 3)
    """
    if not isinstance(test_fraction, int | float) or not 0.0 < test_fraction < 1.0:
        msg = f"split: test_fraction={test_fraction!r} must be a number between 0 and 1 (e.g. 0.3)"
        raise SchemaError(msg)
    n = len(events)
    order = np.random.default_rng(seed).permutation(n)
    n_test = round(n * test_fraction)
    return events[np.sort(order[n_test:])], events[np.sort(order[:n_test])]


@dataclass(frozen=True)
class LightHeavyClassifier:
    """A trained light/heavy classifier: the scikit-learn model and what it was trained on.

    Attributes
    ----------
    model : sklearn estimator
        The fitted model (``predict_proba`` gives P(light), P(heavy)).
    features : tuple of str
        Field names of the features, in column order.
    light, heavy : tuple of str
        Primaries of the two classes.
    n_train : int
        Showers used for training.
    train_accuracy : float
        Fraction of the training showers classified right (compare with :attr:`Evaluation.accuracy`: much higher
        here means the model learnt the training showers by heart, "overfitting").
    """

    model: Any
    features: tuple[str, ...]
    light: tuple[str, ...]
    heavy: tuple[str, ...]
    n_train: int
    train_accuracy: float

    def heavy_probability(self, events: Any) -> np.ndarray:
        """Probability between 0 and 1 that each shower comes from a heavy primary, as the model judges it."""
        X = feature_matrix(events, self.features)
        with _threads():
            return np.asarray(self.model.predict_proba(X)[:, 1], dtype=np.float64)

    def is_heavy(self, events: Any, *, threshold: float = 0.5) -> np.ndarray:
        """Boolean array: True where the heavy probability is above ``threshold``."""
        return self.heavy_probability(events) > threshold

    def __str__(self) -> str:
        return (
            f"{type(self.model).__name__} light ({', '.join(self.light)}) vs heavy ({', '.join(self.heavy)}) "
            f"from {', '.join(self.features)}; trained on {self.n_train} showers "
            f"({100 * self.train_accuracy:.1f}% of them right)"
        )


def train_classifier(
    simulation: Any,
    *,
    features: Sequence[str] = FEATURES,
    light: Sequence[str] = LIGHT,
    heavy: Sequence[str] = HEAVY,
    model: str = "boosted_trees",
    max_events: int | None = 100_000,
    seed: int = 0,
) -> LightHeavyClassifier:
    """Train a classifier telling light from heavy primaries on simulated showers.

    Parameters
    ----------
    simulation : awkward.Array
        Simulated (training) showers with the ``features`` fields and ``primary``.
    features : sequence of str
        Fields the classifier may look at (default lgNe, lgNmu, zenith).
    light, heavy : sequence of str
        Primaries of the two classes; showers of other primaries are not used.
    model : {"boosted_trees", "logistic", "forest"}
        ``"boosted_trees"``: :class:`sklearn.ensemble.HistGradientBoostingClassifier` (fast, the default);
        ``"logistic"``: a logistic regression on standardised features with quadratic terms (a curved line in the
        size plane); ``"forest"``: a random forest of 100 trees.
    max_events : int or None
        Train on at most this many showers (a random subset) so that a class sample trains in seconds; None: all.
    seed : int
        Random seed of the subset and the model.

    Returns
    -------
    LightHeavyClassifier

    Raises
    ------
    SchemaError
        If a class has no simulated showers or the model name is unknown.
    MissingDependencyError
        If scikit-learn is not installed.
    """
    where = "train_classifier"
    features = tuple(features)
    y, used = mass_labels(simulation, light=light, heavy=heavy)
    X = feature_matrix(simulation, features)[used]
    n_heavy = int(y.sum())
    if n_heavy == 0 or n_heavy == len(y):
        msg = (
            f"{where}: the training showers hold {len(y) - n_heavy} light and {n_heavy} heavy primaries; the "
            "classifier needs examples of both (use simulated showers with several primaries)"
        )
        raise SchemaError(msg)
    if max_events is not None and len(y) > max_events:
        keep = np.sort(np.random.default_rng(seed).choice(len(y), size=max_events, replace=False))
        X, y = X[keep], y[keep]
    estimator = _make_model(model, seed=seed)
    with _threads():
        estimator.fit(X, y)
        train_accuracy = float(np.mean(estimator.predict(X) == y))
    return LightHeavyClassifier(
        model=estimator,
        features=features,
        light=_symbols(light, where=where),
        heavy=_symbols(heavy, where=where),
        n_train=len(y),
        train_accuracy=train_accuracy,
    )


def _make_model(name: str, *, seed: int) -> Any:
    ensemble = import_optional("sklearn.ensemble")
    if name == "boosted_trees":
        return ensemble.HistGradientBoostingClassifier(max_iter=100, learning_rate=0.1, random_state=seed)
    if name == "forest":
        return ensemble.RandomForestClassifier(n_estimators=100, min_samples_leaf=20, n_jobs=1, random_state=seed)
    if name == "logistic":
        linear = import_optional("sklearn.linear_model")
        pipeline = import_optional("sklearn.pipeline")
        preprocessing = import_optional("sklearn.preprocessing")
        return pipeline.make_pipeline(
            preprocessing.StandardScaler(),
            preprocessing.PolynomialFeatures(degree=2),
            linear.LogisticRegression(max_iter=1000),
        )
    msg = f"train_classifier: unknown model {name!r}; use 'boosted_trees', 'logistic' or 'forest'"
    raise SchemaError(msg)


@dataclass(frozen=True)
class Evaluation:
    """How well a classifier does on test showers it never saw.

    Attributes
    ----------
    accuracy : float
        Fraction of test showers classified right at ``threshold``.
    baseline_accuracy : float
        Accuracy of always guessing the larger class (the number to beat).
    confusion : numpy.ndarray (read-only), shape (2, 2)
        Counts: rows = true class (light, heavy), columns = predicted class (light, heavy).
    heavy_efficiency : float
        Fraction of the heavy showers called heavy (true-positive rate).
    light_mistag : float
        Fraction of the light showers wrongly called heavy (false-positive rate).
    roc_false_positive, roc_true_positive : numpy.ndarray (read-only)
        The ROC curve: light mistag vs heavy efficiency for every threshold.
    auc : float
        Area under the ROC curve (0.5 = guessing, 1 = perfect).
    threshold : float
        Heavy-probability threshold used for the accuracy and the confusion matrix.
    n_light, n_heavy : int
        Test showers in each class.
    """

    accuracy: float
    baseline_accuracy: float
    confusion: np.ndarray
    heavy_efficiency: float
    light_mistag: float
    roc_false_positive: np.ndarray
    roc_true_positive: np.ndarray
    auc: float
    threshold: float
    n_light: int
    n_heavy: int

    def __str__(self) -> str:
        (ll, lh), (hl, hh) = self.confusion.tolist()
        return "\n".join(
            [
                f"test showers: {self.n_light} light, {self.n_heavy} heavy",
                f"accuracy {100 * self.accuracy:.1f}% (always guessing the larger class: "
                f"{100 * self.baseline_accuracy:.1f}%), ROC AUC {self.auc:.3f}",
                "confusion matrix (rows: true, columns: predicted)",
                f"           light   heavy\n  light  {ll:>7} {lh:>7}\n  heavy  {hl:>7} {hh:>7}",
            ]
        )


def _readonly(a: Any, dtype: Any = np.float64) -> np.ndarray:
    out = np.array(a, dtype=dtype)
    out.setflags(write=False)
    return out


def evaluate(classifier: LightHeavyClassifier, test: Any, *, threshold: float = 0.5) -> Evaluation:
    """Measure a classifier on test showers (simulated, with known primaries, not used in training).

    Parameters
    ----------
    classifier : LightHeavyClassifier
        From :func:`train_classifier`.
    test : awkward.Array
        Simulated test showers.
    threshold : float
        Showers with a heavy probability above it are called heavy.

    Returns
    -------
    Evaluation
    """
    metrics = import_optional("sklearn.metrics")
    y, used = mass_labels(test, light=classifier.light, heavy=classifier.heavy)
    if len(y) == 0:
        msg = "evaluate: no test shower has a light or heavy primary; pass simulated showers"
        raise SchemaError(msg)
    p = classifier.heavy_probability(test[used])
    predicted = (p > threshold).astype(np.int8)
    confusion = np.zeros((2, 2), dtype=np.int64)
    np.add.at(confusion, (y, predicted), 1)
    n_light, n_heavy = int(confusion[0].sum()), int(confusion[1].sum())
    if n_light and n_heavy:
        fpr, tpr, _ = metrics.roc_curve(y, p)
        auc = float(metrics.roc_auc_score(y, p))
    else:
        fpr, tpr, auc = np.array([0.0, 1.0]), np.array([0.0, 1.0]), math.nan
    return Evaluation(
        accuracy=float(np.trace(confusion) / len(y)),
        baseline_accuracy=max(n_light, n_heavy) / len(y),
        confusion=_readonly(confusion, np.int64),
        heavy_efficiency=confusion[1, 1] / n_heavy if n_heavy else math.nan,
        light_mistag=confusion[0, 1] / n_light if n_light else math.nan,
        roc_false_positive=_readonly(fpr),
        roc_true_positive=_readonly(tpr),
        auc=auc,
        threshold=float(threshold),
        n_light=n_light,
        n_heavy=n_heavy,
    )


@dataclass(frozen=True)
class ClassifiedFraction:
    """Fraction of showers a classifier calls heavy, per energy bin, raw and corrected for its mistakes.

    With the heavy efficiency ε_H and the light mistag ε_L measured on simulated test showers of the same energy
    bin, a true heavy fraction f gives a raw fraction r = f ε_H + (1 − f) ε_L, so f = (r − ε_L) / (ε_H − ε_L)
    (clipped to 0–1). Errors are binomial on r, propagated (the simulation's own uncertainty is left out).

    Attributes
    ----------
    energy_edges : numpy.ndarray
        Bin edges in lg(E/eV).
    n : numpy.ndarray of int
        Showers per bin.
    raw, raw_error : numpy.ndarray
        Fraction called heavy and its binomial error.
    corrected, corrected_error : numpy.ndarray
        Estimated true heavy fraction (NaN where the test showers of the bin cannot calibrate it).
    heavy_efficiency, light_mistag : numpy.ndarray
        Per-bin calibration from the test showers.
    """

    energy_edges: np.ndarray
    n: np.ndarray
    raw: np.ndarray
    raw_error: np.ndarray
    corrected: np.ndarray
    corrected_error: np.ndarray
    heavy_efficiency: np.ndarray
    light_mistag: np.ndarray

    def __str__(self) -> str:
        lines = [f"{'lg(E/eV)':>13}  {'showers':>8}  {'called heavy':>14}  {'corrected':>14}"]
        for i in range(len(self.n)):
            lines.append(
                f"{self.energy_edges[i]:6.2f}-{self.energy_edges[i + 1]:<6.2f}  {self.n[i]:>8}  "
                f"{self.raw[i]:6.3f} ± {self.raw_error[i]:.3f}  "
                f"{self.corrected[i]:6.3f} ± {self.corrected_error[i]:.3f}"
            )
        return "\n".join(lines)


def classified_fraction(
    classifier: LightHeavyClassifier,
    data: Any,
    *,
    test: Any,
    energy_bins: Sequence[float] | np.ndarray | tuple[int, float, float] = (15.0, 15.5, 16.0, 16.5, 17.0),
    threshold: float = 0.5,
) -> ClassifiedFraction:
    """Fraction of measured showers called heavy per energy bin, corrected with the test showers' error rates.

    Parameters
    ----------
    classifier : LightHeavyClassifier
        From :func:`train_classifier`.
    data : awkward.Array
        Measured showers with ``lgE`` [lg(E/eV)] and the classifier's features.
    test : awkward.Array
        Simulated test showers (not used in training) with ``lgE`` and ``primary``, to measure ε_H and ε_L per bin.
    energy_bins : edges or (n, low, high)
        Energy bins in lg(E/eV).
    threshold : float
        Heavy-probability threshold.

    Returns
    -------
    ClassifiedFraction
    """
    where = "classified_fraction"
    edges = np.asarray(make_axis(energy_bins, name="lgE").edges, dtype=np.float64)
    lgE = column(data, "lgE", where=where)
    called = _called_in_bins(classifier, data, lgE, edges, threshold)
    n = np.histogram(lgE, bins=edges)[0]
    n_called = np.histogram(lgE[called], bins=edges)[0]
    y, used = mass_labels(test, light=classifier.light, heavy=classifier.heavy)
    t_lgE = column(test, "lgE", where=where)[used]
    t_called = _called_in_bins(classifier, test[used], t_lgE, edges, threshold)
    heavy_n = np.histogram(t_lgE[y == 1], bins=edges)[0]
    heavy_hit = np.histogram(t_lgE[(y == 1) & t_called], bins=edges)[0]
    light_n = np.histogram(t_lgE[y == 0], bins=edges)[0]
    light_hit = np.histogram(t_lgE[(y == 0) & t_called], bins=edges)[0]
    with np.errstate(divide="ignore", invalid="ignore"):
        raw = np.where(n > 0, n_called / n, np.nan)
        raw_err = np.where(n > 0, np.sqrt(raw * (1 - raw) / n), np.nan)
        eff_h = np.where(heavy_n > 0, heavy_hit / heavy_n, np.nan)
        eff_l = np.where(light_n > 0, light_hit / light_n, np.nan)
        span = eff_h - eff_l
        ok = span > 0.05  # a classifier no better than guessing in a bin cannot be corrected there
        corrected = np.where(ok, np.clip((raw - eff_l) / span, 0.0, 1.0), np.nan)
        corrected_err = np.where(ok, raw_err / span, np.nan)
    return ClassifiedFraction(
        energy_edges=_readonly(edges),
        n=_readonly(n, np.int64),
        raw=_readonly(raw),
        raw_error=_readonly(raw_err),
        corrected=_readonly(corrected),
        corrected_error=_readonly(corrected_err),
        heavy_efficiency=_readonly(eff_h),
        light_mistag=_readonly(eff_l),
    )


def _called_in_bins(
    classifier: LightHeavyClassifier, events: Any, lgE: np.ndarray, edges: np.ndarray, threshold: float
) -> np.ndarray:
    """``classifier.is_heavy(events)`` for the showers inside the energy bins (``np.histogram``'s: the last bin
    holds its upper edge); False outside, where no bin counts them (most showers of a data sample lie below the
    first bin: this saves most of the predictions)."""
    inside = (lgE >= edges[0]) & (lgE <= edges[-1])
    called = np.zeros(len(lgE), dtype=bool)
    if inside.any():
        called[inside] = classifier.is_heavy(events[inside], threshold=threshold)
    return called


def template_heavy_fraction(composition: Any, heavy: Sequence[str] = HEAVY) -> tuple[np.ndarray, np.ndarray]:
    """Heavy fraction per energy bin from a template fit: the sum of the heavy primaries' fractions and its error.

    Parameters
    ----------
    composition : CompositionResult
        From :func:`kcdc_hep.fits.fit_composition`.
    heavy : sequence of str
        Primaries counted as heavy (default C, Si, Fe); those missing from the fit are skipped.

    Returns
    -------
    (fraction, error) : (numpy.ndarray, numpy.ndarray)
        One value per energy bin (NaN for bins the fit left out); the error includes the correlations.
    """
    heavy_s = _symbols(heavy, where="template_heavy_fraction")
    pick = np.array([p in heavy_s for p in composition.primaries], dtype=float)
    fractions = np.asarray(composition.fractions, dtype=float)
    cov = np.asarray(composition.covariance, dtype=float)
    fraction = fractions @ pick
    error = np.sqrt(np.clip(np.einsum("i,bij,j->b", pick, cov, pick), 0.0, None))
    return _readonly(fraction), _readonly(error)
