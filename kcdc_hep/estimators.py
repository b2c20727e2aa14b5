"""The KCDC energy and mass estimators: lg(E/eV) and ln A from the electron and muon numbers and the zenith angle.

KCDC computes the energy column (``E``, ``lgE``, ``energy``) of every published file from the reconstructed shower
sizes with one fixed parametrisation (DESIGN §2.3):

1. correct the sizes for the atmospheric attenuation between the slant depth of the shower and the mean depth of the
   0–18° sample (:func:`attenuation_corrected_sizes`), then
2. evaluate a quadratic polynomial in the corrected sizes x, y (:func:`estimate_energy`, :func:`estimate_lnA`).

All functions are vectorised: they take scalars, numpy arrays or flat awkward arrays and return the same kind.

>>> round(float(estimate_energy(4.55575, 4.02881, 18.2060)), 4)
14.9335
"""

from __future__ import annotations

import math
from typing import Any

import awkward as ak
import numpy as np

from kcdc_hep.errors import SchemaError

__all__ = [
    "ATMOSPHERIC_DEPTH_G_CM2",
    "ELECTRON_ATTENUATION_G_CM2",
    "MEAN_SEC_ZENITH",
    "MUON_ATTENUATION_G_CM2",
    "attenuation_corrected_sizes",
    "estimate_energy",
    "estimate_lnA",
    "excess_depth",
]

#: Vertical atmospheric depth at KASCADE (110 m a.s.l.), g/cm².
ATMOSPHERIC_DEPTH_G_CM2 = 1022.65
#: Mean sec(zenith) of the 0–18° reference sample.
MEAN_SEC_ZENITH = 1.025
#: Attenuation length of the electron number, g/cm².
ELECTRON_ATTENUATION_G_CM2 = 158.0
#: Attenuation length of the (truncated) muon number, g/cm².
MUON_ATTENUATION_G_CM2 = 823.0

_LN10 = math.log(10.0)

# lg(E/GeV) = c0 + c1 x + c2 y + c3 x² + c4 y² + c5 x y
_ENERGY_COEFFICIENTS = (1.93499, 0.25788, 0.66704, 0.07507, 0.09277, -0.16131)
# ln A = c0 + c1 x + c2 y + c3 x² + c4 y² + c5 x y
_LNA_COEFFICIENTS = (-6.64185, -4.90102, 8.36298, -2.63904, -3.09907, 5.62201)

ArrayLike = Any  # float, numpy array or flat awkward array


def _check_zenith(zenith_deg: ArrayLike) -> None:
    """Raise :class:`SchemaError` if any zenith angle lies outside [0, 90) degrees (NaN passes through)."""
    bad_low = zenith_deg < 0
    bad_high = zenith_deg >= 90
    if isinstance(zenith_deg, ak.Array):
        n_bad = int(ak.sum(bad_low | bad_high))
    else:
        n_bad = int(np.count_nonzero(np.asarray(bad_low | bad_high)))
    if n_bad:
        values = ak.to_numpy(ak.ravel(zenith_deg)) if isinstance(zenith_deg, ak.Array) else np.ravel(zenith_deg)
        example = values[(values < 0) | (values >= 90)][0]
        msg = (
            f"estimators: {n_bad} zenith angle(s) outside 0-90 deg (first: {example!r}); the KCDC estimators take "
            "the zenith angle in degrees: convert radians with numpy.degrees() and drop horizontal showers"
        )
        raise SchemaError(msg)


def excess_depth(zenith_deg: ArrayLike) -> ArrayLike:
    """Slant depth minus the mean depth of the 0–18° sample, Δx = D/cos(θ) − 1.025·D, in g/cm².

    Parameters
    ----------
    zenith_deg : float or array
        Zenith angle θ of the shower axis in degrees, 0 ≤ θ < 90.

    Returns
    -------
    float or array
        Δx in g/cm² (negative for nearly vertical showers, which cross less air than the sample average).

    Raises
    ------
    SchemaError
        If a zenith angle lies outside [0, 90) degrees.

    Examples
    --------
    >>> round(float(excess_depth(0.0)), 4)
    -25.5662
    """
    _check_zenith(zenith_deg)
    return ATMOSPHERIC_DEPTH_G_CM2 / np.cos(np.radians(zenith_deg)) - MEAN_SEC_ZENITH * ATMOSPHERIC_DEPTH_G_CM2


def attenuation_corrected_sizes(lgNe: ArrayLike, lgNmu: ArrayLike, zenith_deg: ArrayLike) -> tuple[Any, Any]:
    """Shower sizes corrected to the mean depth of the 0–18° sample: the x, y of the KCDC estimators.

    ``x = lgNe + Δx / (158 ln 10)`` and ``y = lgNmu + Δx / (823 ln 10)`` with Δx from :func:`excess_depth`
    (electron and muon attenuation lengths 158 and 823 g/cm²).

    Parameters
    ----------
    lgNe, lgNmu : float or array
        log10 of the reconstructed electron and muon numbers.
    zenith_deg : float or array
        Zenith angle in degrees, 0 ≤ θ < 90.

    Returns
    -------
    (x, y) : tuple of float or array
        Corrected log10 sizes.

    Examples
    --------
    >>> x, y = attenuation_corrected_sizes(5.0, 4.0, 0.0)
    >>> round(float(x), 5), round(float(y), 5)
    (4.92973, 3.98651)
    """
    dx = excess_depth(zenith_deg)
    x = lgNe + dx / (ELECTRON_ATTENUATION_G_CM2 * _LN10)
    y = lgNmu + dx / (MUON_ATTENUATION_G_CM2 * _LN10)
    return x, y


def _quadratic(x: ArrayLike, y: ArrayLike, c: tuple[float, ...]) -> ArrayLike:
    return c[0] + c[1] * x + c[2] * y + c[3] * x * x + c[4] * y * y + c[5] * x * y


def estimate_energy(lgNe: ArrayLike, lgNmu: ArrayLike, zenith_deg: ArrayLike) -> ArrayLike:
    """Primary energy lg(E/eV) from the KCDC estimator.

    ``lg(E/GeV) = 1.93499 + 0.25788 x + 0.66704 y + 0.07507 x² + 0.09277 y² − 0.16131 x y`` with the corrected
    sizes x, y of :func:`attenuation_corrected_sizes`; the result is returned in lg(E/eV) = lg(E/GeV) + 9, the unit
    of the ``lgE`` field.

    Parameters
    ----------
    lgNe, lgNmu : float or array
        log10 of the reconstructed electron and muon numbers.
    zenith_deg : float or array
        Zenith angle in degrees, 0 ≤ θ < 90.

    Returns
    -------
    float or array
        lg(E/eV).

    Raises
    ------
    SchemaError
        If a zenith angle lies outside [0, 90) degrees.

    Examples
    --------
    The first sample row of the masterclass slides (E=14.9335):

    >>> round(float(estimate_energy(4.55575, 4.02881, 18.2060)), 4)
    14.9335
    >>> lgNe, lgNmu, zenith = np.array([3.53951, 4.14543]), np.array([3.26399, 3.74844]), np.array([17.5974, 17.6646])
    >>> estimate_energy(lgNe, lgNmu, zenith).round(3)
    array([14.117, 14.62 ])
    """
    x, y = attenuation_corrected_sizes(lgNe, lgNmu, zenith_deg)
    return _quadratic(x, y, _ENERGY_COEFFICIENTS) + 9.0


def estimate_lnA(lgNe: ArrayLike, lgNmu: ArrayLike, zenith_deg: ArrayLike) -> ArrayLike:
    """Mean logarithmic mass ln A from the KCDC estimator.

    ``ln A = −6.64185 − 4.90102 x + 8.36298 y − 2.63904 x² − 3.09907 y² + 5.62201 x y`` with the corrected sizes
    x, y of :func:`attenuation_corrected_sizes`. It is an event-by-event estimate with a large spread; average it over
    many showers (ln A: p 0, He 1.39, C 2.48, Si 3.33, Fe 4.03).

    Parameters
    ----------
    lgNe, lgNmu : float or array
        log10 of the reconstructed electron and muon numbers.
    zenith_deg : float or array
        Zenith angle in degrees, 0 ≤ θ < 90.

    Returns
    -------
    float or array
        ln A (dimensionless).

    Raises
    ------
    SchemaError
        If a zenith angle lies outside [0, 90) degrees.

    Examples
    --------
    >>> round(float(estimate_lnA(4.55575, 4.02881, 18.2060)), 2)
    2.47
    """
    x, y = attenuation_corrected_sizes(lgNe, lgNmu, zenith_deg)
    return _quadratic(x, y, _LNA_COEFFICIENTS)
