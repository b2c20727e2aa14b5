"""A synthetic sky of element spectra, each with its own knee, and the generation spectrum of simulation libraries.

:class:`ElementSky` holds one smooth broken power law per element (p, He, C, Si, Fe)::

    J_Z(E) = J0 (E/E_k)^γ1 [1 + (E/E_k)^ε]^(Δγ/ε)        [m⁻² s⁻¹ sr⁻¹ GeV⁻¹]

fitted (:func:`fit_element_sky`) through the published KASCADE element spectra of 1.4–100 PeV (Kuznetsov et al.
2024, arXiv:2312.08279, shipped in ``kcdc_hep/data``). Where the table constrains an element's knee (protons and
helium) it is fitted; for the other elements it is set by rigidity, E_k,Z = Z · E_k,p, with the mean index change of
the fitted ones. Below 1.4 PeV each element continues as E^γ1; above 100 PeV each bends at its own rigidity, so the
knee of the sum (≈ 4 PeV) is the bend of the light elements and ⟨ln A⟩ rises above it. :data:`KASCADE_2024_SKY` is
that fit, kept as constants (a test refits the table and compares).

:class:`GenerationSpectrum` describes how a simulation library is made, as KCDC's CORSIKA libraries are: equal
numbers of each element thrown on a flat power law (E^−2, 10^14–10^18 eV); :meth:`GenerationSpectrum.weights_to`
re-weights such a library to any sky.

Energies are lg(E/eV) throughout; inside the formulas E is in GeV.

>>> sky = KASCADE_2024_SKY
>>> round(sky.spectrum("p").E_knee_PeV, 1), round(float(sky.mean_lnA(15.5)), 2), round(float(sky.mean_lnA(17.0)), 2)
(4.2, 0.9, 2.71)
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import awkward as ak
import numpy as np

from kcdc_hep import schema
from kcdc_hep.errors import ArgumentError, FitError

__all__ = [
    "KASCADE_2024_SKY",
    "ElementFit",
    "ElementSky",
    "ElementSpectrum",
    "GenerationSpectrum",
    "element_index",
    "fit_element_sky",
]

_LN10 = math.log(10.0)
# Gauss-Legendre nodes in ln E for the flux integral over a bin (exact enough for smooth power laws)
_GL_X, _GL_W = np.polynomial.legendre.leggauss(8)
_SAMPLE_STEP = 1e-3  # grid step of the inverse-CDF sampling, decades


def element_index(primary: Any, elements: Sequence[str], *, where: str) -> np.ndarray:
    """Index into ``elements`` of each entry of ``primary`` (codes such as ``"p"``, ``"fe"``, ``"co"``, ``5626``).

    Parameters
    ----------
    primary : array-like or awkward.Array
        Primary codes, one per event.
    elements : sequence of str
        Element symbols (:data:`kcdc_hep.schema.MASS_GROUPS` order, say).
    where : str
        Name of the calling function, for the error message.

    Raises
    ------
    ArgumentError
        If a code is unknown or not one of ``elements``.

    Examples
    --------
    >>> element_index(["p", "fe", "co"], ("p", "He", "C", "Si", "Fe"), where="doc").tolist()
    [0, 4, 2]
    """
    codes = ak.to_numpy(primary) if isinstance(primary, ak.Array) else np.asarray(primary)
    codes = codes.reshape(-1)
    out = np.empty(len(codes), dtype=np.intp)
    todo = np.ones(len(codes), dtype=bool)
    while todo.any():  # one pass per distinct code (a handful): much faster than np.unique on strings
        code = codes[int(np.argmax(todo))]
        p = schema.lookup_primary(code.item() if isinstance(code, np.generic) else code)
        if p is None or p.symbol not in elements:
            msg = f"{where}: primary {code!r} is not one of the elements {', '.join(elements)}; select those events"
            raise ArgumentError(msg)
        same = codes == code
        out[same] = elements.index(p.symbol)
        todo &= ~same
    return out


# ================================================================================================ element spectra
@dataclass(frozen=True)
class ElementSpectrum:
    """Smooth broken power law of one element: J0 (E/E_k)^γ1 [1 + (E/E_k)^ε]^(Δγ/ε).

    Attributes
    ----------
    element : str
        Symbol (``"p"``, ``"He"``, ``"C"``, ``"Si"``, ``"Fe"``).
    lgJ0 : float
        lg of J0 in m⁻² s⁻¹ sr⁻¹ GeV⁻¹ (the below-knee power law at the knee).
    gamma1 : float
        Differential index below the knee (J ∝ E^γ1).
    lgE_knee : float
        Knee energy, lg(E/eV).
    delta_gamma : float
        Index change at the knee (negative: softer above, index γ1 + Δγ).
    sharpness : float
        ε; larger is sharper.
    knee_from : {"fit", "rigidity"}
        Whether the table fixed the knee or it is Z times the proton knee.
    """

    element: str
    lgJ0: float
    gamma1: float
    lgE_knee: float
    delta_gamma: float
    sharpness: float
    knee_from: Literal["fit", "rigidity"] = "fit"

    def __post_init__(self) -> None:
        if schema.lookup_primary(self.element) is None or not self.sharpness > 0:
            msg = f"ElementSpectrum({self.element!r}, sharpness={self.sharpness}): need a known element and ε > 0"
            raise ArgumentError(msg)

    @property
    def charge(self) -> int:
        """Charge number Z."""
        return schema.PRIMARIES[self.element].charge

    @property
    def gamma2(self) -> float:
        """Differential index far above the knee."""
        return self.gamma1 + self.delta_gamma

    @property
    def E_knee_PeV(self) -> float:
        """Knee energy, PeV."""
        return 10.0 ** (self.lgE_knee - 15.0)

    def lg_flux(self, lgE: Any) -> np.ndarray:
        """lg J at lgE [lg(E/eV)], J in m⁻² s⁻¹ sr⁻¹ GeV⁻¹."""
        x = (np.asarray(lgE, dtype=float) - self.lgE_knee) * _LN10
        eps = self.sharpness
        return self.lgJ0 + (self.gamma1 * x + self.delta_gamma / eps * np.logaddexp(0.0, eps * x)) / _LN10

    def flux(self, lgE: Any) -> np.ndarray:
        """J = dN/dE at lgE [lg(E/eV)], m⁻² s⁻¹ sr⁻¹ GeV⁻¹."""
        return 10.0 ** self.lg_flux(lgE)


@dataclass(frozen=True)
class ElementFit:
    """How an element's spectrum was fitted: χ² of lg J with the stat⊕sys errors, ndof, parameter errors."""

    element: str
    chi2: float
    ndof: int
    errors: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class ElementSky:
    """The true flux of each element; the sum is the all-particle flux.

    Attributes
    ----------
    spectra : tuple of ElementSpectrum
        One per element, in :data:`kcdc_hep.schema.MASS_GROUPS` order for the built-in sky.
    citation : str
        The data the spectra were fitted to.
    fits : tuple of ElementFit
        Fit quality per element (empty for a hand-made sky).
    """

    spectra: tuple[ElementSpectrum, ...]
    citation: str = ""
    fits: tuple[ElementFit, ...] = ()

    def __post_init__(self) -> None:
        names = [s.element for s in self.spectra]
        if not names or len(set(names)) != len(names):
            msg = f"ElementSky: need one spectrum per element, got {names}"
            raise ArgumentError(msg)

    @property
    def elements(self) -> tuple[str, ...]:
        """Element symbols, in the order of :attr:`spectra`."""
        return tuple(s.element for s in self.spectra)

    @property
    def lnA(self) -> np.ndarray:
        """ln A of each element."""
        return np.array([schema.PRIMARIES[e].lnA for e in self.elements])

    def spectrum(self, element: str) -> ElementSpectrum:
        """The spectrum of one element (any code that names it: ``"p"``, ``"fe"``, ``"co"``)."""
        return self.spectra[int(element_index([element], self.elements, where="ElementSky.spectrum")[0])]

    def flux(self, lgE: Any, element: str) -> np.ndarray:
        """J of one element at lgE [lg(E/eV)], m⁻² s⁻¹ sr⁻¹ GeV⁻¹."""
        return self.spectrum(element).flux(lgE)

    def element_fluxes(self, lgE: Any) -> np.ndarray:
        """J of every element at lgE, shape ``(*np.shape(lgE), n_elements)``, m⁻² s⁻¹ sr⁻¹ GeV⁻¹."""
        return np.stack([s.flux(lgE) for s in self.spectra], axis=-1)

    def all_particle(self, lgE: Any) -> np.ndarray:
        """All-particle J at lgE [lg(E/eV)], m⁻² s⁻¹ sr⁻¹ GeV⁻¹.

        >>> f"{float(KASCADE_2024_SKY.all_particle(16.0)):.2e}"
        '3.33e-15'
        """
        return self.element_fluxes(lgE).sum(axis=-1)

    def fractions(self, lgE: Any) -> np.ndarray:
        """Fraction of each element in the flux at lgE, shape ``(*np.shape(lgE), n_elements)``.

        >>> KASCADE_2024_SKY.fractions([15.2]).round(2).tolist()
        [[0.61, 0.15, 0.1, 0.1, 0.02]]
        """
        j = self.element_fluxes(lgE)
        return j / j.sum(axis=-1, keepdims=True)

    def mean_lnA(self, lgE: Any) -> np.ndarray:
        """⟨ln A⟩ of the flux at lgE [lg(E/eV)]."""
        return self.fractions(lgE) @ self.lnA

    def integrated_flux(self, lgE_edges: Any) -> np.ndarray:
        """∫ J dE over each bin, per element: shape ``(n_elements, n_bins)``, m⁻² s⁻¹ sr⁻¹.

        Multiply by an exposure [m² s sr] for expected counts. Gauss–Legendre (8 nodes) in ln E per bin.

        >>> per_year = KASCADE_2024_SKY.integrated_flux([15.0, 16.0]) * 3.156e7  # m⁻² sr⁻¹ per year
        >>> f"{per_year.sum():.3g}"
        '35'
        """
        edges = np.asarray(lgE_edges, dtype=float)
        if edges.ndim != 1 or len(edges) < 2 or np.any(np.diff(edges) <= 0):
            msg = f"integrated_flux: lgE_edges must rise strictly (lg(E/eV)), got {edges!r}"
            raise ArgumentError(msg)
        lo, hi = edges[:-1, None], edges[1:, None]
        lg_nodes = 0.5 * (hi - lo) * _GL_X + 0.5 * (hi + lo)  # (bins, nodes)
        dE = 0.5 * (hi - lo) * _GL_W * _LN10 * 10.0 ** (lg_nodes - 9.0)  # GeV per node
        return np.stack([(s.flux(lg_nodes) * dE).sum(axis=1) for s in self.spectra])

    def knee_lgE(self, lgE_range: tuple[float, float] = (15.0, 17.0)) -> float:
        """lgE where lg(E^2.7 J) of the all-particle flux bends most (largest negative curvature) in ``lgE_range``.

        >>> round(KASCADE_2024_SKY.knee_lgE(), 2)
        15.62
        """
        grid = np.arange(lgE_range[0], lgE_range[1] + 1e-9, 0.005)
        y = np.log10(self.all_particle(grid))
        curvature = np.gradient(np.gradient(y, grid), grid)
        return float(grid[np.argmin(curvature)])

    def sample(self, rng: np.random.Generator, n: int, lgE_range: tuple[float, float]) -> tuple[np.ndarray, np.ndarray]:
        """Draw ``n`` primaries from the summed sky: true energies and element symbols.

        The energy comes from the inverse cumulative distribution of the all-particle flux on a 0.001-decade grid,
        the element from the fractions at that energy (interpolated on the same grid).

        Returns
        -------
        lgE_true : numpy.ndarray
            lg(E/eV), in ``lgE_range``.
        primary : numpy.ndarray of str
            Element symbols.

        Examples
        --------
        >>> lgE, prim = KASCADE_2024_SKY.sample(np.random.default_rng(1), 5, (15.0, 17.0))
        >>> bool(np.all((lgE >= 15) & (lgE <= 17))), set(prim) <= {"p", "He", "C", "Si", "Fe"}
        (True, True)
        """
        lo, hi = (float(x) for x in lgE_range)
        if not hi > lo or not int(n) >= 0:
            msg = f"ElementSky.sample: need n >= 0 and lgE_range (low, high) with high > low, got {n}, {lgE_range}"
            raise ArgumentError(msg)
        grid = np.linspace(lo, hi, max(2, math.ceil((hi - lo) / _SAMPLE_STEP) + 1))
        dn = self.all_particle(grid) * 10.0**grid  # ∝ dN/dlgE
        cdf = np.r_[0.0, np.cumsum(0.5 * (dn[1:] + dn[:-1]) * np.diff(grid))]
        lgE = np.interp(rng.random(int(n)) * cdf[-1], cdf, grid)
        cum = np.cumsum(self.fractions(grid), axis=-1)  # the fractions, interpolated from the same grid
        u = rng.random(int(n))
        idx = np.zeros(int(n), dtype=np.intp)
        for j in range(len(self.spectra) - 1):
            idx += u >= np.interp(lgE, grid, cum[:, j])
        return lgE, np.asarray(self.elements)[idx]


# ================================================================================================ the fit
def _bounded_fit(cost: Any, start: Mapping[str, float], limits: Mapping[str, tuple[float, float]]) -> Any:
    from iminuit import Minuit

    m = Minuit(cost, **start)
    for name, lim in limits.items():
        m.limits[name] = lim
    m.migrad()
    return m


def _fit_free(lgE: np.ndarray, y: np.ndarray, ey: np.ndarray, element: str, eps: float) -> Any:
    """Fit lgJ0, γ1, lg E_k, Δγ of one element from several starting knees; the best minimum."""
    from iminuit.cost import LeastSquares

    def model(x: np.ndarray, lgJ0: float, gamma1: float, lgE_knee: float, delta_gamma: float) -> np.ndarray:
        return ElementSpectrum(element, lgJ0, gamma1, lgE_knee, delta_gamma, eps).lg_flux(x)

    cost = LeastSquares(lgE, y, ey, model)
    limits = {"gamma1": (-4.0, -1.5), "lgE_knee": (14.5, 18.5), "delta_gamma": (-4.0, 1.5)}
    best = None
    for k0 in np.arange(lgE[0], lgE[-1], 0.2):
        start = {"lgJ0": float(np.interp(k0, lgE, y)), "gamma1": -2.7, "lgE_knee": float(k0), "delta_gamma": -0.7}
        m = _bounded_fit(cost, start, limits)
        if m.valid and (best is None or m.fval < best.fval):
            best = m
    if best is None:
        msg = f"fit_element_sky: no valid fit of the {element} spectrum; check the table"
        raise FitError(msg)
    best.hesse()
    return best


def _knee_constrained(m: Any, lgE: np.ndarray) -> bool:
    """The table fixes a knee if it lies inside the table, to < 0.2 decades, with a softening of > 2σ."""
    v, e = m.values, m.errors
    inside = lgE[0] + 0.1 < v["lgE_knee"] < lgE[-1] - 0.1
    return bool(inside and e["lgE_knee"] < 0.2 and v["delta_gamma"] + 2.0 * e["delta_gamma"] < 0.0)


def fit_element_sky(
    lgE_edges: Any,
    flux: Mapping[str, Any],
    flux_err: Mapping[str, Any],
    *,
    sharpness: float = 10.0,
    citation: str = "",
) -> ElementSky:
    """Fit one smooth broken power law per element through a table of element spectra.

    χ² of lg J with σ = (stat⊕sys)/(J ln 10) at the bin centres, iminuit Migrad. Stage 1 fits each element freely
    (J0, γ1, E_k, Δγ; the sharpness ε fixed and common). An element's knee counts as measured if it lies inside the
    table to better than 0.2 decades with a softening Δγ < 0 by more than 2σ; protons must qualify. Stage 2 fixes
    the other elements' knees by rigidity, E_k,Z = Z · E_k,p, and their Δγ to the error-weighted mean of the measured
    ones, and fits J0 and γ1.

    Parameters
    ----------
    lgE_edges : array-like
        Bin edges, lg(E/eV).
    flux, flux_err : mapping of element to array
        J and its total uncertainty per element (keys: element codes such as ``"p"`` or ``"H"``), m⁻² s⁻¹ sr⁻¹ GeV⁻¹.
    sharpness : float
        ε of every element (the table constrains it weakly; 10 gives the lowest total χ² of 3, 5, 7, 10, 15, 20).
    citation : str
        Kept in the returned sky.

    Returns
    -------
    ElementSky
        In :data:`kcdc_hep.schema.MASS_GROUPS` order where those elements are given.

    Raises
    ------
    FitError
        If an element cannot be fitted or the proton knee is not constrained.
    """
    edges = np.asarray(lgE_edges, dtype=float)
    lgE = 0.5 * (edges[1:] + edges[:-1])
    symbols = {schema.lookup_primary(k): k for k in flux}
    if None in symbols:
        msg = f"fit_element_sky: unknown element in {list(flux)}; use p, He, C, Si, Fe"
        raise ArgumentError(msg)
    order = sorted(symbols, key=lambda p: p.charge)  # type: ignore[union-attr]
    data = {}
    for p in order:
        j, e = np.asarray(flux[symbols[p]], dtype=float), np.asarray(flux_err[symbols[p]], dtype=float)
        data[p.symbol] = (np.log10(j), e / (j * _LN10))  # type: ignore[union-attr]
    free = {el: _fit_free(lgE, *data[el], el, sharpness) for el in data}
    if "p" not in free or not _knee_constrained(free["p"], lgE):
        msg = "fit_element_sky: the proton knee is not constrained by the table; the rigidity scaling needs it"
        raise FitError(msg)
    measured = [el for el, m in free.items() if _knee_constrained(m, lgE)]
    w = np.array([free[el].errors["delta_gamma"] ** -2 for el in measured])
    dg = float(np.sum(w * [free[el].values["delta_gamma"] for el in measured]) / w.sum())
    lgE_kp = free["p"].values["lgE_knee"]
    spectra, fits = [], []
    for el, (y, ey) in data.items():
        if el in measured:
            m = free[el]
            v = m.values
            spectra.append(ElementSpectrum(el, v["lgJ0"], v["gamma1"], v["lgE_knee"], v["delta_gamma"], sharpness))
            errors = {k: float(m.errors[k]) for k in ("lgJ0", "gamma1", "lgE_knee", "delta_gamma")}
        else:
            knee = lgE_kp + math.log10(schema.PRIMARIES[el].charge)
            m = _fit_rigidity(lgE, y, ey, el, knee, dg, sharpness)
            v = m.values
            spectra.append(ElementSpectrum(el, v["lgJ0"], v["gamma1"], knee, dg, sharpness, "rigidity"))
            errors = {k: float(m.errors[k]) for k in ("lgJ0", "gamma1")}
        fits.append(ElementFit(el, float(m.fval), int(len(y) - m.nfit), errors))
    return ElementSky(tuple(spectra), citation, tuple(fits))


def _fit_rigidity(lgE: np.ndarray, y: np.ndarray, ey: np.ndarray, el: str, knee: float, dg: float, eps: float) -> Any:
    from iminuit.cost import LeastSquares

    def model(x: np.ndarray, lgJ0: float, gamma1: float) -> np.ndarray:
        return ElementSpectrum(el, lgJ0, gamma1, knee, dg, eps).lg_flux(x)

    start = {"lgJ0": float(np.interp(min(knee, lgE[-1]), lgE, y)), "gamma1": -2.7}
    m = _bounded_fit(LeastSquares(lgE, y, ey, model), start, {"gamma1": (-4.0, -1.5)})
    if not m.valid:
        msg = f"fit_element_sky: the fit of the {el} spectrum with its rigidity knee did not converge"
        raise FitError(msg)
    m.hesse()
    return m


#: The sky fitted to the KASCADE element spectra (Kuznetsov et al. 2024) by :func:`fit_element_sky` with ε = 10;
#: constants (tests/simulation/test_sky.py refits the shipped table and compares).
KASCADE_2024_SKY = ElementSky(
    spectra=(
        ElementSpectrum("p", -13.5334, -2.4942, 15.6266, -1.0918, 10.0, "fit"),
        ElementSpectrum("He", -15.2870, -2.5417, 16.0723, -0.7992, 10.0, "fit"),
        ElementSpectrum("C", -16.2662, -2.5123, 16.4048, -0.8758, 10.0, "rigidity"),
        ElementSpectrum("Si", -17.3745, -2.6277, 16.7727, -0.8758, 10.0, "rigidity"),
        ElementSpectrum("Fe", -18.1311, -2.3140, 17.0416, -0.8758, 10.0, "rigidity"),
    ),
    citation="fit to Kuznetsov et al. (2024), arXiv:2312.08279 (KASCADE element spectra, 1.4-100 PeV)",
)


# ================================================================================================ generation
@dataclass(frozen=True)
class GenerationSpectrum:
    """How a simulation library was thrown: ``n_thrown`` showers of each element on E^index in ``lgE_range``.

    Attributes
    ----------
    elements : tuple of str
        Element symbols.
    n_thrown : tuple of int
        Showers thrown per element (before trigger and cuts).
    index : float
        Differential spectral index of the generation (−2 for the KCDC libraries).
    lgE_range : (float, float)
        True-energy range, lg(E/eV).
    zenith_max_deg : float
        Largest true zenith angle thrown (isotropic on a flat detector, dN ∝ sin θ cos θ dθ), deg.
    core_radius_max_m : float
        Radius of the disc the cores were thrown into (uniformly), m.

    Examples
    --------
    >>> gen = GenerationSpectrum.equal_numbers(1000)
    >>> gen.n_thrown, gen.index, gen.lgE_range
    ((1000, 1000, 1000, 1000, 1000), -2.0, (14.0, 18.0))
    """

    elements: tuple[str, ...]
    n_thrown: tuple[int, ...]
    index: float = -2.0
    lgE_range: tuple[float, float] = (14.0, 18.0)
    zenith_max_deg: float = 42.0
    core_radius_max_m: float = 91.0

    def __post_init__(self) -> None:
        lo, hi = self.lgE_range
        if len(self.elements) != len(self.n_thrown) or not hi > lo or min(self.n_thrown, default=0) < 0:
            msg = (
                f"GenerationSpectrum: need one n_thrown >= 0 per element and lgE_range (low, high) with high > low; "
                f"got {self.elements}, {self.n_thrown}, {self.lgE_range}"
            )
            raise ArgumentError(msg)
        if not (0 < self.zenith_max_deg <= 90 and self.core_radius_max_m > 0):
            msg = (
                f"GenerationSpectrum: zenith_max_deg={self.zenith_max_deg} must be in (0, 90] degrees and "
                f"core_radius_max_m={self.core_radius_max_m} positive (metres)"
            )
            raise ArgumentError(msg)

    @property
    def aperture_m2_sr(self) -> float:
        """Area × solid angle the showers were thrown into, m² sr: π R² · π sin²θmax (flat detector, cores in R).

        Multiplied by a measuring time it is the exposure of data that are compared with this library.

        >>> round(GenerationSpectrum.equal_numbers(1).aperture_m2_sr)
        36594
        """
        return math.pi * self.core_radius_max_m**2 * math.pi * math.sin(math.radians(self.zenith_max_deg)) ** 2

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready record of the generation (what ``simulation.root`` stores), read back by :meth:`from_dict`."""
        return {
            "elements": list(self.elements),
            "n_thrown": [int(n) for n in self.n_thrown],
            "index": float(self.index),
            "lgE_range": [float(x) for x in self.lgE_range],
            "zenith_max_deg": float(self.zenith_max_deg),
            "core_radius_max_m": float(self.core_radius_max_m),
        }

    @classmethod
    def from_dict(cls, record: Mapping[str, Any]) -> GenerationSpectrum:
        """The generation from its :meth:`to_dict` record.

        Raises
        ------
        ArgumentError
            If a key is missing or a value is not a number.
        """
        try:
            return cls(
                elements=tuple(str(e) for e in record["elements"]),
                n_thrown=tuple(int(n) for n in record["n_thrown"]),
                index=float(record["index"]),
                lgE_range=(float(record["lgE_range"][0]), float(record["lgE_range"][1])),
                zenith_max_deg=float(record.get("zenith_max_deg", 42.0)),
                core_radius_max_m=float(record.get("core_radius_max_m", 91.0)),
            )
        except (KeyError, TypeError, ValueError, IndexError) as err:
            msg = f"GenerationSpectrum.from_dict: not a generation record ({err!r}): {dict(record)!r}"
            raise ArgumentError(msg) from err

    def __add__(self, other: GenerationSpectrum) -> GenerationSpectrum:
        """Two libraries thrown alike (same elements, index, ranges): their thrown numbers add."""
        if not isinstance(other, GenerationSpectrum):
            return NotImplemented
        if replace(self, n_thrown=other.n_thrown) != other:
            msg = f"GenerationSpectrum: cannot add libraries thrown differently: {self} and {other}"
            raise ArgumentError(msg)
        return replace(self, n_thrown=tuple(a + b for a, b in zip(self.n_thrown, other.n_thrown, strict=True)))

    @classmethod
    def equal_numbers(
        cls,
        n_per_element: int,
        *,
        index: float = -2.0,
        lgE_range: tuple[float, float] = (14.0, 18.0),
        elements: Sequence[str] = schema.MASS_GROUPS,
        zenith_max_deg: float = 42.0,
        core_radius_max_m: float = 91.0,
    ) -> GenerationSpectrum:
        """A library of ``n_per_element`` showers of each element (the KCDC way)."""
        n = (int(n_per_element),) * len(elements)
        return cls(tuple(elements), n, float(index), lgE_range, float(zenith_max_deg), float(core_radius_max_m))

    def _norm(self) -> float:
        """∫ E^index dE over the range, E in GeV."""
        lo, hi = self.lgE_range
        return _power_integral(lo - 9.0, hi - 9.0, self.index)

    def density(self, lgE: Any) -> np.ndarray:
        """Thrown showers per GeV of one element with one thrown shower: E^index / ∫E^index dE (E in GeV)."""
        lg = np.asarray(lgE, dtype=float)
        inside = (lg >= self.lgE_range[0]) & (lg <= self.lgE_range[1])
        return np.where(inside, 10.0 ** (self.index * (lg - 9.0)) / self._norm(), 0.0)

    def expected_thrown(self, lgE_edges: Any) -> np.ndarray:
        """Expected thrown showers per element and true-energy bin, shape ``(n_elements, n_bins)`` (exact)."""
        edges = np.clip(np.asarray(lgE_edges, dtype=float), *self.lgE_range) - 9.0
        frac = np.array([_power_integral(a, b, self.index) for a, b in itertools.pairwise(edges)])
        return np.outer(self.n_thrown, frac / self._norm())

    def sample(self, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """Throw the library: exactly ``n_thrown`` energies per element (lg(E/eV)), shuffled; element symbols."""
        n = sum(self.n_thrown)
        prim = np.repeat(np.asarray(self.elements), self.n_thrown)[rng.permutation(n)]
        g1 = self.index + 1.0
        a, b = self.lgE_range
        if abs(g1) < 1e-12:
            lgE = a + (b - a) * rng.random(n)
        else:
            xa, xb = 10.0 ** (g1 * a), 10.0 ** (g1 * b)
            lgE = np.log10(xa + rng.random(n) * (xb - xa)) / g1
        return lgE, prim

    def weights_to(self, sky: ElementSky, lgE_true: Any, primary: Any, *, exposure_m2_s_sr: float = 1.0) -> np.ndarray:
        """Per-event weights that turn this library into ``sky`` seen with ``exposure_m2_s_sr``.

        w = exposure · J_Z(E) / (n_thrown,Z · E^index / ∫E^index dE): the number of sky showers each simulated shower
        stands for. Summed over the events of a true-energy bin (thrown, or triggered with the same weights) they
        give the expected number of sky showers thrown (or triggered) in that bin. Events outside ``lgE_range`` or
        of an element not thrown get weight 0.

        Examples
        --------
        >>> gen = GenerationSpectrum.equal_numbers(1_000_000)
        >>> lgE, prim = gen.sample(np.random.default_rng(2))
        >>> w = gen.weights_to(KASCADE_2024_SKY, lgE, prim, exposure_m2_s_sr=1e10)
        >>> expected = 1e10 * KASCADE_2024_SKY.integrated_flux([16.0, 16.5]).sum()
        >>> round(float(w[(lgE >= 16.0) & (lgE < 16.5)].sum() / expected), 2)
        1.0
        """
        lgE = np.asarray(lgE_true, dtype=float)
        idx = element_index(primary, self.elements, where="GenerationSpectrum.weights_to")
        sky_idx = np.array([sky.elements.index(e) if e in sky.elements else -1 for e in self.elements])
        j = np.zeros(len(lgE))
        for k, s in enumerate(sky.spectra):
            sel = sky_idx[idx] == k
            j[sel] = s.flux(lgE[sel])
        g = self.density(lgE) * np.asarray(self.n_thrown, dtype=float)[idx]
        with np.errstate(divide="ignore", invalid="ignore"):
            w = np.where(g > 0, float(exposure_m2_s_sr) * j / g, 0.0)
        return w


def _power_integral(lg_a: float, lg_b: float, g: float) -> float:
    """∫ E^g dE from 10^lg_a to 10^lg_b."""
    if lg_b <= lg_a:
        return 0.0
    if abs(g + 1.0) < 1e-12:
        return (lg_b - lg_a) * _LN10
    return (10.0 ** ((g + 1.0) * lg_b) - 10.0 ** ((g + 1.0) * lg_a)) / (g + 1.0)
