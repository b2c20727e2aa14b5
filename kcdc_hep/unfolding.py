"""Element spectra by unfolding: from measured shower sizes back to the flux of each element versus true energy.

The measured showers are counted in cells of (lgNe, lgNμ) — or (lgE_rec, lgNe, lgNμ), any regular or variable
binning — and a simulation library gives the response: the probability that a shower of element Z with true energy
in bin t is triggered, reconstructed and lands in cell i (:func:`build_response` from events,
:func:`response_from_histogram` from a weighted histogram filled chunk by chunk). The unfolding (:func:`unfold`) is a
forward-folding Poisson likelihood fit with iminuit: the parameters are the numbers of showers θ_Zt of each element
and true-energy bin, the model of cell i is μ_i = Σ R_i,Zt θ_Zt, and

    −ln L = Σ_i (μ_i − n_i ln μ_i)

is minimised with Migrad (analytic gradient, θ ≥ 0, started from 50 Richardson–Lucy iterations). Statistical errors
come from the Hessian at the minimum; the response's own uncertainty (limited simulation statistics) from refits
with Poisson-fluctuated responses (``response_toys``). No regularisation: where the data cannot tell the elements
apart the errors say so (large and anti-correlated) instead of being pulled towards a prior, so the pulls of closure
tests have mean ≈ 0 and width ≈ 1.

Why not iterative Bayesian unfolding (pyunfold 0.5.0, which runs with numpy 2)? Its errors come from propagating the
data and the response through the iterations, which for cells × causes = 400 × 100 took 62 s and 12 GB (it keeps
the (causes × cells)² response covariance); a 2-D size histogram has ≳ 1500 cells. And its result leans on the
prior and the number of iterations, which its errors do not cover.

Causes can be grouped (:meth:`Response.merged`, e.g. :data:`LIGHT_HEAVY`): each group's response is the mix of its
elements with the prior sky's fractions. Energies are lg(E/eV); fluxes m⁻² s⁻¹ sr⁻¹ GeV⁻¹.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from types import MappingProxyType
from typing import Any

import numpy as np

from kcdc_hep import schema
from kcdc_hep._util import readonly, to_jsonable
from kcdc_hep.errors import ArgumentError, FitError
from kcdc_hep.simulation.sky import KASCADE_2024_SKY, ElementSky, GenerationSpectrum, element_index

__all__ = [
    "LIGHT_HEAVY",
    "Response",
    "UnfoldingResult",
    "build_response",
    "response_from_histogram",
    "unfold",
]

#: The two groups for students: light (p, He) and heavy (C, Si, Fe).
LIGHT_HEAVY: Mapping[str, tuple[str, ...]] = MappingProxyType({"light": ("p", "He"), "heavy": ("C", "Si", "Fe")})
_UNIT = "m^-2 s^-1 sr^-1 GeV^-1"
_EM_START = 50  # Richardson-Lucy iterations for the starting point


# ================================================================================================ binning
def _check_edges(edges: Any, what: str) -> np.ndarray:
    e = np.asarray(edges, dtype=float)
    if e.ndim != 1 or len(e) < 2 or not np.all(np.diff(e) > 0):
        msg = f"unfolding: {what} edges must be at least two strictly rising numbers, got {edges!r}"
        raise ArgumentError(msg)
    return e


def _bin_index(values: Any, edges: np.ndarray) -> np.ndarray:
    """Bin of each value (−1 outside; the last edge belongs to the last bin)."""
    v = np.asarray(values, dtype=float)
    i = np.searchsorted(edges, v, side="right") - 1
    i[v == edges[-1]] = len(edges) - 2
    return np.where((i >= 0) & (i < len(edges) - 1), i, -1)


def _cell_index(effects: Sequence[Any], edges: Sequence[np.ndarray]) -> np.ndarray:
    """Flat (C-order) cell of each event in the effect grid, −1 outside."""
    flat = np.zeros(len(np.asarray(effects[0])), dtype=np.int64)
    inside = np.ones(len(flat), dtype=bool)
    for values, e in zip(effects, edges, strict=True):
        i = _bin_index(values, e)
        inside &= i >= 0
        flat = flat * (len(e) - 1) + i
    return np.where(inside, flat, -1)


def _group_index(groups: tuple[str, ...], name: str, *, where: str) -> int:
    """Index of a group by its name or, for elements, by any code of the element (``"fe"``, ``"co"``)."""
    if name in groups:
        return groups.index(name)
    p = schema.lookup_primary(name)
    if p is not None and p.symbol in groups:
        return groups.index(p.symbol)
    msg = f"{where}: no group {name!r}; there are {', '.join(groups)}"
    raise ArgumentError(msg)


def _effect_arrays(effects: Mapping[str, Any], names: Sequence[str], where: str) -> list[Any]:
    missing = [n for n in names if n not in effects]
    if missing:
        msg = f"{where}: effects lack {missing}; give arrays for {list(names)} (the response's binning)"
        raise ArgumentError(msg)
    return [effects[n] for n in names]


# ================================================================================================ response
@dataclass(frozen=True)
class Response:
    """Probability that a thrown shower of a cause (group × true-energy bin) lands in each effect cell.

    Attributes
    ----------
    true_edges : numpy.ndarray
        True-energy bin edges, lg(E/eV).
    groups : tuple of str
        Cause groups (elements, or e.g. ``("light", "heavy")``).
    members : tuple of tuple of str
        The elements in each group.
    effect_names : tuple of str
        Names of the effect axes (``("lgNe", "lgNmu")``, say).
    effect_edges : tuple of numpy.ndarray
        Bin edges of each effect axis.
    cells : numpy.ndarray
        Flat indices (C order) of the effect cells any simulated shower reached.
    matrix : numpy.ndarray
        Shape ``(len(cells), n_groups * n_true)``; column ``g * n_true + t`` is cause (group g, true bin t).
    matrix_var : numpy.ndarray
        Variance of each entry from the limited simulation statistics.
    prior_integral : numpy.ndarray
        ∫ J dE of the prior sky per cause, shape ``(n_groups, n_true)``, m⁻² s⁻¹ sr⁻¹ (mixes groups).
    n_sim : numpy.ndarray
        Effective number of simulated showers per cause that reached a cell, (Σw)²/Σw², shape
        ``(n_groups, n_true)``.
    """

    true_edges: np.ndarray
    groups: tuple[str, ...]
    members: tuple[tuple[str, ...], ...]
    effect_names: tuple[str, ...]
    effect_edges: tuple[np.ndarray, ...]
    cells: np.ndarray
    matrix: np.ndarray
    matrix_var: np.ndarray
    prior_integral: np.ndarray
    n_sim: np.ndarray

    @property
    def n_true(self) -> int:
        """Number of true-energy bins."""
        return len(self.true_edges) - 1

    @property
    def effect_shape(self) -> tuple[int, ...]:
        """Shape of the effect histogram."""
        return tuple(len(e) - 1 for e in self.effect_edges)

    @property
    def efficiency(self) -> np.ndarray:
        """Probability that a thrown shower lands in any cell, shape ``(n_groups, n_true)``."""
        return self.matrix.sum(axis=0).reshape(len(self.groups), self.n_true)

    def histogram(self, effects: Mapping[str, Any]) -> np.ndarray:
        """Count events in the response's effect cells: an array of :attr:`effect_shape`."""
        arrays = _effect_arrays(effects, self.effect_names, "Response.histogram")
        cell = _cell_index(arrays, self.effect_edges)
        return np.bincount(cell[cell >= 0], minlength=math.prod(self.effect_shape)).reshape(self.effect_shape)

    def merged(self, groups: Mapping[str, Sequence[str]]) -> Response:
        """The response of groups of this response's groups, mixed with the prior sky's share in each true bin.

        ``response.merged(LIGHT_HEAVY)`` has the causes light (p, He) and heavy (C, Si, Fe). The mix is exact only if
        the data's composition inside a group is the prior's; otherwise unfold the elements and add them with
        :meth:`UnfoldingResult.combined`.
        """
        cols, integral, n_sim, members = [], [], [], []
        var_cols = []
        m = self.matrix.reshape(len(self.cells), len(self.groups), self.n_true)
        v = self.matrix_var.reshape(m.shape)
        for name, parts in groups.items():
            idx = [_group_index(self.groups, p, where="Response.merged") for p in parts]
            if not idx:
                msg = f"Response.merged: group {name!r} is empty"
                raise ArgumentError(msg)
            share = self.prior_integral[idx]  # (k, n_true)
            total = share.sum(axis=0)
            w = np.divide(share, total, out=np.zeros_like(share), where=total > 0)
            cols.append(np.einsum("ckt,kt->ct", m[:, idx], w))
            var_cols.append(np.einsum("ckt,kt->ct", v[:, idx], w**2))
            integral.append(total)
            n_sim.append(self.n_sim[idx].sum(axis=0))  # approximate: the sum of the members' numbers
            members.append(tuple(e for i in idx for e in self.members[i]))
        used = [g for parts in groups.values() for g in parts]
        if len(set(used)) != len(used):
            msg = f"Response.merged: an element is in two groups: {dict(groups)}"
            raise ArgumentError(msg)
        return replace(
            self,
            groups=tuple(groups),
            members=tuple(members),
            matrix=readonly(np.stack(cols, axis=1).reshape(len(self.cells), -1)),
            matrix_var=readonly(np.stack(var_cols, axis=1).reshape(len(self.cells), -1)),
            prior_integral=readonly(np.array(integral)),
            n_sim=readonly(np.array(n_sim)),
        )


def build_response(
    lgE_true: Any,
    primary: Any,
    effects: Mapping[str, Any],
    *,
    effect_edges: Mapping[str, Any],
    true_edges: Any,
    generation: GenerationSpectrum,
    prior: ElementSky = KASCADE_2024_SKY,
) -> Response:
    """The response of a simulation library: P(effect cell | element, true-energy bin) per thrown shower.

    Parameters
    ----------
    lgE_true, primary : array-like
        True energy [lg(E/eV)] and element of each simulated shower that passed trigger and cuts.
    effects : mapping of name to array
        Reconstructed observables of those showers, e.g. ``{"lgNe": ..., "lgNmu": ...}`` (optionally ``"lgE"``).
    effect_edges : mapping of name to edges
        Binning of each observable (same keys and order as used for the data).
    true_edges : array-like
        True-energy bin edges, lg(E/eV), inside ``generation.lgE_range``.
    generation : GenerationSpectrum
        How the library was thrown (index, range, showers per element): gives the per-event weights and the number
        of thrown showers per bin, hence the efficiency.
    prior : ElementSky
        Spectral shape inside each true bin (and the mix of merged groups); the result hardly depends on it for
        narrow bins.

    Returns
    -------
    Response
    """
    where = "build_response"
    t_edges = _check_edges(true_edges, "true-energy")
    lo, hi = generation.lgE_range
    if t_edges[0] < lo - 1e-9 or t_edges[-1] > hi + 1e-9:
        msg = f"{where}: true_edges {t_edges[0]}..{t_edges[-1]} must lie inside the library's range {lo}..{hi}"
        raise ArgumentError(msg)
    names = tuple(effect_edges)
    e_edges = tuple(_check_edges(effect_edges[n], f"effect {n!r}") for n in names)
    lgE = np.asarray(lgE_true, dtype=float)
    elements = generation.elements
    el = element_index(primary, elements, where=where)
    w = generation.weights_to(prior, lgE, primary)
    t = _bin_index(lgE, t_edges)
    cell = _cell_index(_effect_arrays(effects, names, where), e_edges)
    ok = (t >= 0) & (cell >= 0) & (w > 0)
    n_true, n_causes = len(t_edges) - 1, len(elements) * (len(t_edges) - 1)
    cause = el[ok] * n_true + t[ok]
    n_cells = math.prod(len(e) - 1 for e in e_edges)
    cells = np.flatnonzero(np.bincount(cell[ok], minlength=n_cells))
    row = np.zeros(n_cells, dtype=np.int64)
    row[cells] = np.arange(len(cells))
    key = row[cell[ok]] * n_causes + cause
    sumw = np.bincount(key, weights=w[ok], minlength=len(cells) * n_causes).reshape(len(cells), n_causes)
    sumw2 = np.bincount(key, weights=w[ok] ** 2, minlength=len(cells) * n_causes).reshape(len(cells), n_causes)
    return _response(sumw, sumw2, cells, t_edges, elements, names, e_edges, prior)


def response_from_histogram(
    h: Any, *, prior: ElementSky = KASCADE_2024_SKY, true_axis: str = "lgE_true", primary_axis: str = "primary"
) -> Response:
    """The response from a histogram of the simulation library, for analyses that fill histograms chunk by chunk.

    Parameters
    ----------
    h : hist.Hist
        Weight storage, filled with the weights ``generation.weights_to(prior, lgE_true, primary)`` (exposure 1);
        axes: the true energy ``true_axis`` [lg(E/eV)], a string category ``primary_axis`` (element codes) and the
        effect axes (e.g. ``lgE``, ``lgNe``, ``lgNmu``), in any order. The true-energy bins must lie inside the
        library's generation range.
    prior : ElementSky
        The sky the weights were made for.
    true_axis, primary_axis : str
        Names of those axes.

    Returns
    -------
    Response
        The same as :func:`build_response` on the events that filled ``h``.
    """
    where = "response_from_histogram"
    names = list(h.axes.name)
    for axis in (true_axis, primary_axis):
        if axis not in names:
            msg = f"{where}: the histogram has no axis {axis!r}; its axes are {names}"
            raise ArgumentError(msg)
    view = h.view(flow=False)
    if view.dtype.names is None or "variance" not in view.dtype.names:
        msg = f"{where}: fill the histogram with Weight storage (hist.storage.Weight()) so that it keeps Σw²"
        raise ArgumentError(msg)
    ti, pi = names.index(true_axis), names.index(primary_axis)
    codes = list(h.axes[pi])
    elements = tuple(str(e) for e in np.asarray(prior.elements)[element_index(codes, prior.elements, where=where)])
    effect = [i for i in range(len(names)) if i not in (ti, pi)]
    e_edges = tuple(_check_edges(h.axes[i].edges, f"effect {names[i]!r}") for i in effect)
    t_edges = _check_edges(h.axes[ti].edges, "true-energy")

    def causes_last(a: np.ndarray) -> np.ndarray:
        return np.moveaxis(a, [pi, ti], [-2, -1]).reshape(-1, len(elements) * (len(t_edges) - 1))

    sumw, sumw2 = causes_last(view["value"]), causes_last(view["variance"])
    cells = np.flatnonzero(np.any(sumw != 0, axis=1))
    return _response(
        sumw[cells], sumw2[cells], cells, t_edges, elements, tuple(names[i] for i in effect), e_edges, prior
    )


def _response(
    sumw: np.ndarray,
    sumw2: np.ndarray,
    cells: np.ndarray,
    t_edges: np.ndarray,
    elements: tuple[str, ...],
    names: tuple[str, ...],
    e_edges: tuple[np.ndarray, ...],
    prior: ElementSky,
) -> Response:
    """The record from Σw and Σw² per (cell, cause): divided by the prior's ∫J dE per cause (Σw of all thrown)."""
    sky_index = [prior.elements.index(e) for e in elements]
    integral = prior.integrated_flux(t_edges)[sky_index]  # (elements, n_true)
    flat = integral.reshape(-1)
    total, total2 = sumw.sum(axis=0), sumw2.sum(axis=0)
    n_eff = np.divide(total**2, total2, out=np.zeros_like(total), where=total2 > 0)
    return Response(
        true_edges=readonly(t_edges),
        groups=elements,
        members=tuple((e,) for e in elements),
        effect_names=names,
        effect_edges=tuple(readonly(e) for e in e_edges),
        cells=readonly(cells, dtype=np.int64),
        matrix=readonly(sumw / flat),
        matrix_var=readonly(sumw2 / flat**2),
        prior_integral=readonly(integral),
        n_sim=readonly(n_eff.reshape(len(elements), -1)),
    )


# ================================================================================================ result
@dataclass(frozen=True)
class UnfoldingResult:
    """Unfolded showers (and flux) of each group versus true energy.

    Attributes
    ----------
    lgE_edges : numpy.ndarray
        True-energy bin edges, lg(E/eV).
    groups : tuple of str
        Element symbols (or group names).
    members : tuple of tuple of str
        Elements of each group.
    counts : numpy.ndarray
        Showers of each group and true bin arriving in the data's exposure (before trigger), shape
        ``(n_groups, n_bins)``; NaN where the simulation has no shower of that cause.
    stat_err, sys_err : numpy.ndarray
        Statistical error (Hessian of the likelihood) and the response's error (limited simulation statistics).
    covariance : numpy.ndarray
        Total (statistical + response) covariance of the flattened counts (index ``g * n_bins + t``).
    exposure_m2_s_sr : float or None
        Exposure of the data; with it :attr:`flux` is defined.
    valid : bool
        Whether Migrad converged.
    status : str
        Fit summary (function calls, EDM, parameters at zero, toys).
    n_data, n_outside : int
        Data events in the histogram, and those in cells no simulated shower reached (left out of the fit).
    """

    lgE_edges: np.ndarray
    groups: tuple[str, ...]
    members: tuple[tuple[str, ...], ...]
    counts: np.ndarray
    stat_err: np.ndarray
    sys_err: np.ndarray
    covariance: np.ndarray
    exposure_m2_s_sr: float | None
    valid: bool
    status: str
    n_data: int
    n_outside: int
    method: str = "forward-folding Poisson likelihood (iminuit)"

    @property
    def total_err(self) -> np.ndarray:
        """Statistical and response errors in quadrature."""
        return np.hypot(self.stat_err, self.sys_err)

    def _per_GeV(self) -> np.ndarray:
        if self.exposure_m2_s_sr is None:
            msg = "UnfoldingResult: no exposure was given to unfold(); pass exposure_m2_s_sr= for a flux"
            raise ArgumentError(msg)
        return 1.0 / (self.exposure_m2_s_sr * np.diff(10.0 ** (self.lgE_edges - 9.0)))

    @property
    def flux(self) -> np.ndarray:
        """Bin-averaged flux per group, m⁻² s⁻¹ sr⁻¹ GeV⁻¹ (needs the exposure)."""
        return self.counts * self._per_GeV()

    @property
    def flux_err(self) -> np.ndarray:
        """Total error of :attr:`flux`."""
        return self.total_err * self._per_GeV()

    def between(self, lgE_low: float, lgE_high: float) -> UnfoldingResult:
        """The true-energy bins inside [lgE_low, lgE_high] (e.g. without the outer bins that take up migration).

        Raises
        ------
        ArgumentError
            If no bin lies inside or the limits are not bin edges.
        """
        edges = self.lgE_edges
        i0, i1 = (int(np.argmin(np.abs(edges - x))) for x in (lgE_low, lgE_high))
        if abs(edges[i0] - lgE_low) > 1e-6 or abs(edges[i1] - lgE_high) > 1e-6 or i1 <= i0:
            msg = f"UnfoldingResult.between: {lgE_low}..{lgE_high} must be bin edges of {edges.tolist()}"
            raise ArgumentError(msg)
        n, k = len(edges) - 1, len(self.groups)
        keep = (np.arange(k)[:, None] * n + np.arange(i0, i1)[None, :]).reshape(-1)
        return replace(
            self,
            lgE_edges=readonly(edges[i0 : i1 + 1]),
            counts=readonly(self.counts[:, i0:i1]),
            stat_err=readonly(self.stat_err[:, i0:i1]),
            sys_err=readonly(self.sys_err[:, i0:i1]),
            covariance=readonly(self.covariance[np.ix_(keep, keep)]),
        )

    def combined(self, groups: Mapping[str, Sequence[str]]) -> UnfoldingResult:
        """Sums of groups (e.g. :data:`LIGHT_HEAVY`), with the covariance propagated (anti-correlations cancel)."""
        n = len(self.lgE_edges) - 1
        a = np.zeros((len(groups) * n, len(self.groups) * n))
        members = []
        for j, parts in enumerate(groups.values()):
            idx = [_group_index(self.groups, p, where="UnfoldingResult.combined") for p in parts]
            for i in idx:
                a[j * n : (j + 1) * n, i * n : (i + 1) * n] = np.eye(n)
            members.append(tuple(e for i in idx for e in self.members[i]))
        counts = a @ np.nan_to_num(self.counts.reshape(-1))
        stat_var = (a @ np.diag(np.nan_to_num(self.stat_err.reshape(-1)) ** 2) @ a.T).diagonal()
        cov = a @ np.nan_to_num(self.covariance) @ a.T
        total = np.sqrt(np.clip(cov.diagonal(), 0.0, None))
        stat = np.sqrt(np.clip(stat_var, 0.0, total**2))
        shape = (len(groups), n)
        return replace(
            self,
            groups=tuple(groups),
            members=tuple(members),
            counts=readonly(counts.reshape(shape)),
            stat_err=readonly(stat.reshape(shape)),
            sys_err=readonly(np.sqrt(np.clip(total**2 - stat**2, 0.0, None)).reshape(shape)),
            covariance=readonly(cov),
        )

    def fractions(self) -> tuple[np.ndarray, np.ndarray]:
        """Share of each group in each true bin and its error (covariance propagated), shapes ``(n_groups, n)``."""
        n, k = len(self.lgE_edges) - 1, len(self.groups)
        c = self.counts
        total = c.sum(axis=0)
        with np.errstate(invalid="ignore", divide="ignore"):
            f = c / total
        err = np.empty_like(f)
        for t in range(n):
            idx = np.arange(k) * n + t
            cov = self.covariance[np.ix_(idx, idx)]
            with np.errstate(invalid="ignore", divide="ignore"):
                jac = (np.eye(k) - f[:, t][:, None]) / total[t]  # ∂f_g/∂c_h
            err[:, t] = np.sqrt(np.clip(np.einsum("gh,hl,gl->g", jac, cov, jac), 0.0, None))
        return f, err

    def mean_lnA(self) -> tuple[np.ndarray, np.ndarray]:
        """⟨ln A⟩ per true bin and its error, from the counts of elements and their covariance.

        Raises
        ------
        ArgumentError
            If a group holds more than one element (its ln A is not defined).
        """
        if any(len(m) != 1 for m in self.members):
            msg = "UnfoldingResult.mean_lnA: needs one element per group; unfold with the element response"
            raise ArgumentError(msg)
        lnA = np.array([schema.PRIMARIES[m[0]].lnA for m in self.members])
        f, _ = self.fractions()
        mean = lnA @ f
        n, k = len(self.lgE_edges) - 1, len(self.groups)
        err = np.empty(n)
        for t in range(n):
            idx = np.arange(k) * n + t
            with np.errstate(invalid="ignore", divide="ignore"):
                grad = (lnA - mean[t]) / self.counts[:, t].sum()
            err[t] = math.sqrt(max(float(grad @ self.covariance[np.ix_(idx, idx)] @ grad), 0.0))
        return mean, err

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready ``{lgE_edges, unit, groups: {p: {flux, flux_err}, ...}}`` (counts without an exposure)."""
        if self.exposure_m2_s_sr is None:
            groups = {g: {"counts": self.counts[i], "counts_err": self.total_err[i]} for i, g in enumerate(self.groups)}
            return to_jsonable({"lgE_edges": self.lgE_edges, "unit": "showers", "groups": groups})
        flux, err = self.flux, self.flux_err
        groups = {g: {"flux": flux[i], "flux_err": err[i]} for i, g in enumerate(self.groups)}
        return to_jsonable({"lgE_edges": self.lgE_edges, "unit": _UNIT, "groups": groups})


# ================================================================================================ the fit
@dataclass(frozen=True)
class _Problem:
    """The likelihood in the scaled parameters x = θ / scale of the causes that have simulated showers."""

    matrix: np.ndarray  # (cells, free causes) × scale
    n: np.ndarray

    def nll(self, x: np.ndarray) -> float:
        mu = self.matrix @ x
        pos = self.n > 0
        if np.any(mu[pos] <= 0.0):
            return 1e300
        return float(mu.sum() - np.dot(self.n[pos], np.log(mu[pos])))

    def grad(self, x: np.ndarray) -> np.ndarray:
        mu = self.matrix @ x
        ratio = np.divide(self.n, mu, out=np.zeros_like(mu), where=mu > 0)
        return self.matrix.sum(axis=0) - self.matrix.T @ ratio

    def hessian(self, x: np.ndarray) -> np.ndarray:
        mu = self.matrix @ x
        pos = (self.n > 0) & (mu > 0)
        r = self.matrix[pos]
        return (r.T * (self.n[pos] / mu[pos] ** 2)) @ r


def _richardson_lucy(matrix: np.ndarray, n: np.ndarray, iterations: int) -> np.ndarray:
    eff = matrix.sum(axis=0)
    theta = np.full(matrix.shape[1], max(n.sum(), 1.0) / eff.sum())
    for _ in range(iterations):
        mu = matrix @ theta
        theta = theta / eff * (matrix.T @ np.divide(n, mu, out=np.zeros_like(mu), where=mu > 0))
    return np.maximum(theta, 1e-6 * max(theta.max(), 1.0))


def _fit(
    matrix: np.ndarray, n: np.ndarray, start: np.ndarray | None = None, *, covariance: bool = True
) -> tuple[np.ndarray, Any, np.ndarray]:
    """θ at the likelihood maximum (θ ≥ 0), the Minuit object and the Hessian covariance of θ.

    Cells that no cause reaches are left out (a fluctuated response can empty one); the parameters are scaled to
    about 1 for Migrad.
    """
    from iminuit import Minuit

    reach = matrix.sum(axis=1) > 0
    matrix, n = matrix[reach], n[reach]
    theta0 = _richardson_lucy(matrix, n, _EM_START) if start is None else np.maximum(start, 1e-9)
    scale = np.maximum(theta0, 1e-3 * theta0.max())
    problem = _Problem(matrix * scale, n)
    m = Minuit(problem.nll, theta0 / scale, grad=problem.grad)
    m.errordef = Minuit.LIKELIHOOD
    m.strategy = 0
    m.limits = [(0.0, None)] * len(theta0)
    m.errors = [0.1] * len(theta0)
    m.migrad(ncall=200 * len(theta0) + 2000)
    if not m.valid:
        m.strategy = 1
        m.migrad(ncall=400 * len(theta0) + 4000)
    x = np.array(m.values)
    cov = _inverse(problem.hessian(x)) * np.outer(scale, scale) if covariance else np.zeros((0, 0))
    return x * scale, m, cov


def _inverse(hessian: np.ndarray) -> np.ndarray:
    """Covariance from the Hessian: the inverse, or the pseudo-inverse if it is singular (a cause no cell sees)."""
    try:
        cov = np.linalg.inv(hessian)
    except np.linalg.LinAlgError:
        return np.linalg.pinv(hessian, hermitian=True)
    return cov if np.all(np.isfinite(cov)) and np.all(cov.diagonal() >= 0) else np.linalg.pinv(hessian, hermitian=True)


def unfold(
    data: Any,
    response: Response,
    *,
    exposure_m2_s_sr: float | None = None,
    response_toys: int = 20,
    seed: int = 0,
) -> UnfoldingResult:
    """Unfold measured shower-size counts into the showers (or flux) of each group versus true energy.

    Parameters
    ----------
    data : array, hist.Hist or mapping of name to array
        Counts in the response's effect cells (an array of :attr:`Response.effect_shape`, or a histogram with
        ``.values()``), or the observables of the data events (histogrammed with the response's binning).
    response : Response
        From :func:`build_response` (or :meth:`Response.merged`).
    exposure_m2_s_sr : float, optional
        Exposure of the data (time × area × solid angle); gives :attr:`UnfoldingResult.flux`.
    response_toys : int
        Refits with the response fluctuated within its simulation statistics; their spread is ``sys_err``
        (0: no response error).
    seed : int
        Seed of the response toys.

    Returns
    -------
    UnfoldingResult

    Raises
    ------
    ArgumentError
        If the data histogram does not have the response's shape.
    FitError
        If no data event lies in a cell of the response.
    """
    where = "unfold"
    counts = _data_counts(data, response, where)
    n_all = counts.reshape(-1)
    n = n_all[response.cells].astype(float)
    n_outside = int(n_all.sum() - n.sum())
    if not n.sum() > 0:
        msg = f"{where}: no data event lies in a cell reached by the simulation; check the effect binning"
        raise FitError(msg)
    free = response.matrix.sum(axis=0) > 0
    matrix = np.asarray(response.matrix)[:, free]
    theta, m, stat_cov = _fit(matrix, n)
    rng = np.random.default_rng(seed)
    var = np.asarray(response.matrix_var)[:, free]
    n_eff = np.divide(matrix**2, var, out=np.zeros_like(matrix), where=var > 0)
    toys = []
    for _ in range(int(response_toys)):
        fluct = np.divide(rng.poisson(n_eff), n_eff, out=np.zeros_like(n_eff), where=n_eff > 0)
        toys.append(_fit(matrix * fluct, n, start=theta, covariance=False)[0])
    resp_cov = np.cov(np.array(toys).T) if len(toys) > 1 else np.zeros_like(stat_cov)
    k, n_true = len(response.groups), response.n_true
    full = np.full(k * n_true, np.nan)
    full[free] = theta
    cov = np.full((k * n_true, k * n_true), np.nan)
    cov[np.ix_(free, free)] = stat_cov + resp_cov
    stat = np.full(k * n_true, np.nan)
    stat[free] = np.sqrt(np.clip(stat_cov.diagonal(), 0.0, None))
    sys = np.full(k * n_true, np.nan)
    sys[free] = np.sqrt(np.clip(np.atleast_2d(resp_cov).diagonal(), 0.0, None))
    at_zero = int(np.sum(theta <= 1e-9 * max(theta.max(), 1.0)))
    status = (
        f"migrad {'valid' if m.valid else 'INVALID'}, {m.nfcn} calls, edm {m.fmin.edm:.2g}, {at_zero} of "
        f"{len(theta)} parameters at zero, {len(toys)} response toys"
    )
    shape = (k, n_true)
    return UnfoldingResult(
        lgE_edges=response.true_edges,
        groups=response.groups,
        members=response.members,
        counts=readonly(full.reshape(shape)),
        stat_err=readonly(stat.reshape(shape)),
        sys_err=readonly(sys.reshape(shape)),
        covariance=readonly(cov),
        exposure_m2_s_sr=None if exposure_m2_s_sr is None else float(exposure_m2_s_sr),
        valid=bool(m.valid),
        status=status,
        n_data=int(n_all.sum()),
        n_outside=n_outside,
    )


def _data_counts(data: Any, response: Response, where: str) -> np.ndarray:
    if isinstance(data, Mapping):
        return response.histogram(data)
    values = data.values() if hasattr(data, "values") and callable(data.values) else data
    counts = np.asarray(values, dtype=float)
    if counts.shape != response.effect_shape:
        msg = (
            f"{where}: the data histogram has shape {counts.shape}, the response's effect cells "
            f"{response.effect_shape} ({', '.join(response.effect_names)}); fill it with the same binning "
            "(Response.histogram does)"
        )
        raise ArgumentError(msg)
    return counts
