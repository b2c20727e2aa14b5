"""The HTML report of the masterclass job: one self-contained page with the figures, captions and tables.

The captions explain each figure for a 15-year-old and quote the numbers of the analyses, read from the typed
records of :class:`~kcdc_hep.analyses.masterclass.summary.MasterclassResult`.
"""

from __future__ import annotations

import base64
import html
import math
from collections.abc import Mapping

import numpy as np

from kcdc_hep.analyses.masterclass.figures import FIGURES
from kcdc_hep.analyses.masterclass.physics import RESOLVED_MAX_ERROR, Composition, ElementSpectra
from kcdc_hep.analyses.masterclass.summary import Failure, MasterclassResult
from kcdc_hep.fits import CompositionResult, FitResult, KneeResult, SeparationLine
from kcdc_hep.reference import published_mean_lnA

__all__ = ["render_report"]

_CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; max-width: 1100px;
       margin: 2em auto; padding: 0 1em; color: #222; line-height: 1.5; font-size: 18px; }
h1 { font-size: 2em; margin-bottom: 0.2em; } h2 { margin-top: 2em; border-bottom: 2px solid #0072B2; }
figure { margin: 1em 0; } figure img { width: 100%; height: auto; border: 1px solid #ddd; }
figcaption { font-size: 1em; background: #f4f8fb; padding: 0.8em 1em; border-left: 4px solid #0072B2; }
table { border-collapse: collapse; margin: 1em 0; font-size: 0.95em; }
th, td { border: 1px solid #ccc; padding: 0.3em 0.7em; text-align: right; } th { background: #eef; }
td.l, th.l { text-align: left; } .note { color: #8a4b00; } .small { font-size: 0.85em; color: #555; }
"""

_JS = """
window.addEventListener("load", function () {
  var imgs = Array.prototype.slice.call(document.images);
  var ok = imgs.filter(function (im) { return im.complete && im.naturalWidth > 0; }).length;
  document.body.setAttribute("data-images-loaded", ok + "/" + imgs.length);
  document.body.setAttribute("data-report-status", ok === imgs.length && imgs.length > 0 ? "ok" : "broken");
});
"""


def _lna_text(comp: CompositionResult | Failure) -> str:
    if isinstance(comp, Failure) or not comp.valid.any():
        return ""
    valid = [i for i in range(len(comp.n_data)) if comp.valid[i]]
    first, last = valid[0], valid[-1]
    e = comp.energy_edges
    text = (
        f" In our fit ⟨ln A⟩ goes from {comp.mean_lnA[first]:.2f} ± {comp.mean_lnA_err[first]:.2f} at "
        f"lg(E/eV) = {e[first]:.2f}–{e[first + 1]:.2f} to {comp.mean_lnA[last]:.2f} ± "
        f"{comp.mean_lnA_err[last]:.2f} at {e[last]:.2f}–{e[last + 1]:.2f}"
    )
    published = published_mean_lnA()
    centres = 0.5 * (e[1:] + e[:-1])[valid]
    inside = (centres >= published.lgE_edges[0]) & (centres <= published.lgE_edges[-1])
    if not inside.any():
        return text + "."
    ref = np.interp(centres[inside], published.lgE_centers, published.mean_lnA)
    diff = np.abs(comp.mean_lnA[valid][inside] - ref)
    return text + (
        f"; the published KASCADE values (grey squares) at the same energies differ from ours by "
        f"{diff.min():.2f} to {diff.max():.2f}."
    )


def _direction(a: float, a_err: float, b: float, b_err: float) -> str:
    """'falls', 'rises' or 'stays about the same' from a to b (a change of more than twice the combined error)."""
    if abs(b - a) <= 2.0 * math.hypot(a_err, b_err):
        return "stays about the same"
    return "falls" if b < a else "rises"


def _light_text(comp: Composition) -> str:
    two = comp.light_heavy
    if isinstance(two, Failure) or not two.valid.any():
        return ""
    valid = np.flatnonzero(two.valid)
    first, last = int(valid[0]), int(valid[-1])
    f, err, e = two.fraction("light"), two.fraction_error("light"), two.energy_edges
    way = _direction(f[first], err[first], f[last], err[last])
    return (
        f" In our fit the light fraction {way}: from {_pm(f[first], err[first])} at lg(E/eV) = "
        f"{e[first]:.2f}–{e[first + 1]:.2f} to {_pm(f[last], err[last])} at {e[last]:.2f}–{e[last + 1]:.2f}."
    )


def _pm(value: float, error: float) -> str:
    """'value ± error' with enough decimals to show the error (two significant digits, at least two decimals)."""
    digits = 2 if not error > 0 else max(2, 1 - math.floor(math.log10(error)))
    return f"{value:.{digits}f} ± {error:.{digits}f}"


def _resolved_text(comp: Composition) -> str:
    five = comp.elements
    if isinstance(five, Failure) or not comp.resolved:
        return ""
    e = five.energy_edges
    told = [i for i, r in enumerate(comp.resolved) if r]
    not_told = [i for i, r in enumerate(comp.resolved) if not r and five.valid[i]]
    parts = []
    if told:
        parts.append(f" The five groups are told apart (every fraction to ±{RESOLVED_MAX_ERROR:.2f}, none at zero) "
                     f"in {len(told)} of {len(comp.resolved)} bins")  # fmt: skip
    if not_told:
        ranges = ", ".join(f"{e[i]:.2f}–{e[i + 1]:.2f}" for i in not_told)
        parts.append(
            f"{';' if told else ''} in the bins {ranges} they are not (too few showers, and similar masses look "
            "alike): there the light/heavy fractions of the next figure are the result"
        )
    return "".join(parts) + "." if parts else ""


def _spectra_text(spectra: ElementSpectra | Failure) -> str:
    if isinstance(spectra, Failure):
        return f" (No element spectra here: {html.escape(spectra.reason)}.)"
    found = [f"{g}: {k.E_knee_PeV:.1f} ± {k.E_knee_err_PeV:.1f} PeV" for g, k in spectra.knees.items()
             if not isinstance(k, Failure)]  # fmt: skip
    missing = [g for g, k in spectra.knees.items() if isinstance(k, Failure)]
    e = spectra.result.lgE_edges
    text = f" Knee fits (a bent power law) of the single elements between 10^{e[0]:g} and 10^{e[-1]:g} eV: "
    text += ("; ".join(found) + ". ") if found else "none is fixed by these showers. "
    if missing:
        text += f"For {', '.join(missing)} the showers do not fix a knee in this range."
    unresolved = int(np.sum(~spectra.resolved))
    if unresolved:
        text += (
            f" In {unresolved} of {len(spectra.resolved)} energy bins at least one element is not measured (its "
            "error is larger than its flux; drawn as an upper limit): there only the sums light and heavy mean much."
        )
    return text


def _gauss_text(g: FitResult | Failure) -> str:
    if isinstance(g, Failure):
        return ""
    return (
        f" The fit finds the centre μ = {g['Mean']:.3f} ± {g.error('Mean'):.3f} and the width σ = {g['Sigma']:.3f} ± "
        f"{g.error('Sigma'):.3f}."
    )


def _knee_text(knee: KneeResult | Failure) -> str:
    if isinstance(knee, Failure):
        return f" (No knee fit here: {html.escape(knee.reason)}.)"
    if not knee.valid:
        return (
            " The fit found no reliable knee here (too few showers above it, or a slope ran into the edge of what "
            "the fit allows): with a bigger sample it can."
        )
    return (
        f" Our fit puts the knee at E = {knee.E_knee_PeV:.1f} ± {knee.E_knee_err_PeV:.1f} PeV; the spectrum "
        f"falls like E^{knee.gamma1:.2f} below it and E^{knee.gamma2:.2f} above it."
    )


def _steepness_text(knee: KneeResult | Failure) -> str:
    if isinstance(knee, Failure) or not knee.valid:
        return ""
    return (
        f" — below the knee the flux falls like E^{knee.gamma1:.2f} (our knee fit), so for ten times more energy "
        f"each bin of this plot holds about {10.0 ** (-knee.gamma1 - 1.0):.0f} times fewer showers"
    )


def _line_text(line: SeparationLine | Failure) -> str:
    if isinstance(line, Failure):
        return ""
    return (
        f" The dashed line, lg(Nμ) = {line.slope:.2f} · lg(Ne) {line.intercept:+.2f}, is the best straight "
        f"line between simulated protons and iron; it sorts {100 * line.accuracy:.0f} % of them right."
    )


def _captions(r: MasterclassResult) -> dict[str, str]:
    """The caption of each figure, with the numbers of the analyses."""
    gauss_text = _gauss_text(r.gauss)
    knee_text = _knee_text(r.knee)
    lna_text = _lna_text(r.composition)
    line_text = _line_text(r.separation_line)
    return {
        "spectrum": (
            "How many air showers we measured at each energy. The energy axis is logarithmic: every step of 1 "
            "means ten times more energy (top axis: energy in PeV, 1 PeV = 10<sup>15</sup> eV). "
            "<b>What to notice:</b> the number of showers falls very steeply with energy"
            + _steepness_text(r.knee)
            + ". Below about 1 PeV the curve bends over: there the detector does not see every shower any more."
        ),
        "sizes": (
            "A shower reaches the ground with ten thousand to millions of electrons and thousands of muons. KASCADE "
            "counts both. "
            "The blue curve shows how often each electron number lg(Ne) occurs, the red one the muon number "
            "lg(Nμ) (both as powers of ten: 5 means 100 000). <b>What to notice:</b> the two curves are shifted — a "
            "shower has several times more electrons than muons, and the higher the energy, the more of both."
        ),
        "size_maps_simulation": (
            "Computer-simulated showers started by different particles: protons (p), helium (He), carbon (C), "
            "silicon (Si) and iron (Fe). Each panel counts showers by their electron number (across) and muon "
            "number (up). <b>What to notice:</b> for the same number of electrons, heavy particles like iron "
            "give <i>more muons</i> (their band lies higher) and, at the same energy, fewer electrons. So the "
            "position in this map tells light from heavy." + line_text
        ),
        "size_map_data": (
            "The same map for the showers of the data sample (see above where they come from). The dashed line "
            "comes from the simulation: showers "
            "above it look heavy (iron-like), below it light (proton-like). <b>What to notice:</b> the measured "
            "showers fill the region between the simulated proton and iron bands — cosmic rays are a mixture of "
            "light and heavy particles."
        ),
        "ratio": (
            "For every measured shower we divide lg(Ne) by lg(Nμ). Light particles give large ratios, heavy "
            "ones small ratios. The red curve is a Gaussian (bell curve) fitted to the points."
            + gauss_text
            + " <b>What to notice:</b> the distribution is wide, because it is a mixture of light and heavy "
            "primaries and because every shower fluctuates."
        ),
        "composition": (
            "Top: which fraction of the showers in each energy bin comes from p, He, C, Si and Fe. KCDC's mass "
            "formula turns the electron and muon numbers of each shower into one number, the mass estimate "
            "ln A; we fit the simulated distributions of the five particles to the measured one, energy bin by "
            f"energy bin, with the showers up to {_zenith(r)} (the range of the simulation). The simulated showers "
            "are first re-weighted to the measured spectrum (the simulation was made with many high-energy showers "
            "on purpose). An error bar that reaches 0 is a range from the likelihood, not a ± error. "
            "Bottom: the mean mass ⟨ln A⟩ (A = mass number: 1 for a proton, 56 for iron; the dotted lines mark "
            "each element), from the fit (black), from the unfolded spectra of figure "
            f"{_number('element_spectra')} (pink) and as published by KASCADE (grey). <b>What to notice:</b> if "
            "⟨ln A⟩ rises with energy, cosmic rays get heavier at high energy — light particles 'run out' first."
            + lna_text
            + _resolved_text(r.analyses.composition_fits)
        ),
        "light_heavy": (
            "The same fit with just two kinds of simulated showers: light (protons and helium) and heavy (carbon, "
            "silicon and iron). Two groups are much easier to tell apart than five, so the errors are small. Black: "
            "our fit; pink: the unfolded spectra; grey: published by KASCADE. <b>What to notice:</b> where the "
            "light fraction falls, the light nuclei stop being accelerated first."
            + _light_text(r.analyses.composition_fits)
        ),
        "element_spectra": (
            "The energy spectrum of each element, found by <i>unfolding</i>: we look for the fluxes of p, He, C, Si "
            "and Fe that, sent through the simulated detector, give exactly the measured showers (energy and mass "
            "estimate). Multiplied by E<sup>2.7</sup> as the flux figure. Filled markers: this analysis, with "
            "statistical errors and the uncertainty of the simulation; open markers: published by KASCADE; lines: "
            "knee fits. <b>What to notice:</b> where does each element's spectrum bend? If the knee energy grows "
            "with the charge of the nucleus (p: 1, He: 2, … Fe: 26), the knee is a limit of the accelerators' "
            "magnetic fields." + _spectra_text(r.element_spectra)
        ),
        "heavy_fraction": (
            "The fraction of measured showers above the light/heavy line, in each energy bin. This is a simple "
            "count, not a fit. <b>What to notice:</b> a rising fraction means more heavy particles at higher "
            "energy. (Some light showers fluctuate above the line and some heavy ones below, so it is not the "
            "exact iron fraction.)"
        ),
        "flux": (
            "The flux: how many cosmic rays arrive per square metre, second, steradian and GeV. It is multiplied "
            "by E<sup>2.7</sup>, so that a spectrum falling like E<sup>−2.7</sup> would be a flat line. "
            "<b>What to notice:</b> at a few PeV the spectrum bends down: this is the famous <i>knee</i>. "
            "KASCADE found that the light particles disappear there, as if the cosmic accelerators in our Galaxy "
            "reach their limit. Black: our measurement (showers up to 18°); blue: published by KASCADE; pink: the "
            "sum of our unfolded element spectra." + knee_text
        ),
    }


def _number(name: str) -> int:
    """The figure number of ``name`` in the report."""
    return list(FIGURES).index(name) + 1


def _zenith(r: MasterclassResult) -> str:
    z = r.analyses.composition_fits.zenith_max_deg
    return f"{z:g}°" if z is not None else "any zenith angle"


def _table(rows: list[list[str]], head: list[str], left: int = 1) -> str:
    th = "".join(f'<th class="{"l" if i < left else ""}">{h}</th>' for i, h in enumerate(head))
    body = "".join(
        "<tr>" + "".join(f'<td class="{"l" if i < left else ""}">{c}</td>' for i, c in enumerate(r)) + "</tr>"
        for r in rows
    )
    return f"<table><tr>{th}</tr>{body}</table>"


def _percent(x: float) -> str:
    return "–" if x != x else f"{100 * x:.1f} %"  # NaN (no events before the cut) → dash


def _cutflow_table(r: MasterclassResult) -> str:
    flow = r.cutflow
    rows = [["all showers", "", f"{flow.n_total:,}", "", ""]]
    rows += [
        [html.escape(st.name), html.escape(st.description), f"{st.n_pass:,}", _percent(st.efficiency),
         _percent(st.cumulative_efficiency)]
        for st in flow.steps
    ]  # fmt: skip
    return _table(rows, ["cut", "requirement", "showers left", "of previous", "of all"], left=2)


def _fraction_cells(comp: CompositionResult, i: int) -> list[str]:
    """'f ± e', or the 68 % range 'lo – hi' for a fraction at its zero limit."""
    cells = []
    for j in range(len(comp.primaries)):
        f, e = comp.fractions[i, j], comp.fraction_errors[i, j]
        if comp.at_limit is not None and comp.intervals is not None and comp.at_limit[i, j]:
            lo, hi = comp.intervals[i, j]
            cells.append(f"{lo:.2f} – {hi:.2f}")
        else:
            cells.append(f"{f:.2f} ± {e:.2f}")
    return cells


def _composition_table(comp: Composition) -> list[str]:
    out = []
    for title, fit in (("five groups", comp.elements), ("light and heavy", comp.light_heavy)):
        if isinstance(fit, Failure) or not len(fit.n_data):
            continue
        rows = []
        for i in range(len(fit.n_data)):
            cells = [f"{fit.energy_edges[i]:.2f}–{fit.energy_edges[i + 1]:.2f}", f"{int(fit.n_data[i]):,}"]
            if fit.valid[i]:
                cells += _fraction_cells(fit, i)
                cells.append(f"{fit.mean_lnA[i]:.2f} ± {fit.mean_lnA_err[i]:.2f}")
            else:
                cells += ["–"] * len(fit.primaries) + [html.escape(fit.reason(i))]
            if fit is comp.elements:
                cells.append("yes" if comp.resolved[i] else "no")
            rows.append(cells)
        head = ["lg(E/eV)", "showers", *fit.primaries, "⟨ln A⟩"] + (["told apart"] if fit is comp.elements else [])
        out += [f"<h3>{title}</h3>", _table(rows, head)]
    if not out:
        return []
    note = (
        '<p class="small">Energies are reconstructed (lg(E/eV) of the KCDC formula). A range a – b is the 68 % '
        "interval of a fraction at its zero limit (profile likelihood). Templates: "
        f"{html.escape(comp.templates)}.</p>"
    )
    return ["<h2>Composition in numbers</h2>", *out, note]


def _spectra_table(spectra: ElementSpectra | Failure) -> list[str]:
    if isinstance(spectra, Failure):
        return []
    r = spectra.result
    mean, mean_err = r.mean_lnA()
    light, light_err = spectra.light_heavy.fractions()
    rows = []
    for t in range(len(r.lgE_edges) - 1):
        cells = [f"{r.lgE_edges[t]:.2f}–{r.lgE_edges[t + 1]:.2f}"]
        cells += [f"{r.flux[k, t]:.2e} ± {r.flux_err[k, t]:.1e}" for k in range(len(r.groups))]
        cells += [f"{mean[t]:.2f} ± {mean_err[t]:.2f}", f"{light[0, t]:.2f} ± {light_err[0, t]:.2f}"]
        rows.append(cells)
    head = ["lg(E/eV) (true)", *r.groups, "⟨ln A⟩", "light fraction"]
    note = (
        f'<p class="small">Flux in m⁻² s⁻¹ sr⁻¹ GeV⁻¹ ({html.escape(r.method)}; exposure '
        f"{r.exposure_m2_s_sr:.3g} m² s sr, showers up to {spectra.zenith_max_deg:g}°); errors: statistical and "
        f"the simulation's statistics in quadrature. Fit: {html.escape(r.status)}.</p>"
    )
    return ["<h2>Element spectra in numbers</h2>", _table(rows, head), note]


def _synthetic_note(r: MasterclassResult) -> list[str]:
    if not r.inputs.builtin:
        return []
    return [
        '<p class="note"><b>These are SYNTHETIC showers</b>, not KASCADE measurements: the built-in samples are '
        "made by kcdc_hep's generator from a sky fitted to the published KASCADE element spectra (Kuznetsov et al. "
        "2024), through a simple model of the detector. What this page finds is what that sky put in; with real "
        "KCDC data the same analysis measures the real sky.</p>"
    ]


def render_report(result: MasterclassResult, pngs: Mapping[str, bytes]) -> str:
    """The report as one HTML page (figures embedded as data URIs, nothing loaded from outside)."""
    from kcdc_hep import __version__

    caps = _captions(result)
    shown = result.inputs.absolute()
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<title>KASCADE masterclass: results</title>",
        f"<style>{_CSS}</style><script>{_JS}</script></head>",
        '<body data-report-status="loading">',
        "<h1>KASCADE masterclass: what cosmic rays are made of</h1>",
        f'<p class="small">KASCADE {html.escape(result.inputs.label("both"))}, made with kcdc_hep '
        f"{html.escape(__version__)}. Data: {html.escape(', '.join(shown.data))}; "
        f"simulation: {html.escape(', '.join(shown.simulation))}.</p>",
        '<p class="small">Where the events come from: '
        + "; ".join(html.escape(p.source) for p in dict.fromkeys(result.inputs.provenances()))
        + ".</p>",
        "<p>Cosmic rays are atomic nuclei from space. When one hits the atmosphere it makes an <i>air shower</i> "
        "of billions of particles. The KASCADE experiment in Karlsruhe measured the electrons and muons of such "
        "showers on the ground from 1996 to 2013. From them we learn the energy of each cosmic ray and whether it "
        "was a light (proton) or a heavy (iron) nucleus.</p>",
        *_synthetic_note(result),
        "<h2>Which showers we use</h2>",
        "<p>We keep only well-measured showers: nearly vertical ones, with the core inside the detector and a "
        "normal shower shape. The table says how many are left after each cut.</p>",
        _cutflow_table(result),
    ]
    if result.cuts_switched_off:
        notes = "; ".join(html.escape(n) for n in result.cuts_switched_off)
        parts.append(f'<p class="note">Note: {notes}.</p>')
    for i, (name, title) in enumerate(FIGURES.items(), start=1):
        if name not in pngs:
            continue
        b64 = base64.b64encode(pngs[name]).decode("ascii")
        parts += [
            f'<h2 id="{name}">{i}. {html.escape(title)}</h2>',
            f'<figure><img src="data:image/png;base64,{b64}" alt="{html.escape(title)}" data-figure="{name}">',
            f"<figcaption>{caps[name]}</figcaption></figure>",
        ]
    parts += _composition_table(result.analyses.composition_fits)
    parts += _spectra_table(result.element_spectra)
    if result.failures:
        items = "".join(f"<li>{html.escape(k)}: {html.escape(v)}</li>" for k, v in result.failures.items())
        parts.append(f'<h2>What could not be done</h2><ul class="note">{items}</ul>')
    total = round(result.timings.get("total", 0.0), 3)
    parts += [
        '<p class="small">All histograms are in masterclass.root (open it with ROOT or uproot), all numbers in '
        f"summary.json. The analysis took {total:.1f} s.</p>",
        "</body></html>",
    ]
    return "\n".join(parts)
