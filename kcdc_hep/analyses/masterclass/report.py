"""The HTML report of the masterclass job: one self-contained page with the figures, captions and tables.

The captions explain each figure for a 15-year-old and quote the numbers of the analyses, read from the typed
records of :class:`~kcdc_hep.analyses.masterclass.summary.MasterclassResult`.
"""

from __future__ import annotations

import base64
import html
from collections.abc import Mapping

from kcdc_hep.analyses.masterclass.figures import FIGURES
from kcdc_hep.analyses.masterclass.summary import Failure, MasterclassResult
from kcdc_hep.fits import CompositionResult, FitResult, KneeResult, SeparationLine

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
    return (
        f" In our fit ⟨ln A⟩ goes from {comp.mean_lnA[first]:.2f} ± {comp.mean_lnA_err[first]:.2f} at "
        f"lg(E/eV) = {e[first]:.2f}–{e[first + 1]:.2f} to {comp.mean_lnA[last]:.2f} ± "
        f"{comp.mean_lnA_err[last]:.2f} at {e[last]:.2f}–{e[last + 1]:.2f}."
    )


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
            "<b>What to notice:</b> the number of showers falls very steeply with energy — for ten times more "
            "energy there are about 500 times fewer showers. Below about 1 PeV the curve bends over: there the "
            "detector does not see every shower any more."
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
            "The same map for the real, measured showers. The dashed line comes from the simulation: showers "
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
            "Top: which fraction of the showers in each energy bin comes from p, He, C, Si and Fe. We find it by "
            "fitting the simulated maps of the five particles to the measured map, energy bin by energy bin. "
            "Bottom: the mean mass ⟨ln A⟩ (A = mass number: 1 for a proton, 56 for iron; the dotted lines mark "
            "each element). <b>What to notice:</b> if ⟨ln A⟩ rises with energy, cosmic rays get heavier at high "
            "energy — light particles 'run out' first." + lna_text
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
            "reach their limit." + knee_text
        ),
    }


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


def _composition_table(comp: CompositionResult | Failure) -> list[str]:
    if isinstance(comp, Failure) or not len(comp.n_data):
        return []
    rows = []
    for i in range(len(comp.n_data)):
        cells = [f"{comp.energy_edges[i]:.2f}–{comp.energy_edges[i + 1]:.2f}", f"{int(comp.n_data[i]):,}"]
        if comp.valid[i]:
            pairs = zip(comp.fractions[i], comp.fraction_errors[i], strict=True)
            cells += [f"{f:.2f} ± {e:.2f}" for f, e in pairs]
            cells.append(f"{comp.mean_lnA[i]:.2f} ± {comp.mean_lnA_err[i]:.2f}")
        else:
            cells += ["–"] * len(comp.primaries) + ["too few showers"]
        rows.append(cells)
    return ["<h2>Composition in numbers</h2>", _table(rows, ["lg(E/eV)", "showers", *comp.primaries, "⟨ln A⟩"])]


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
        '<p class="small">KASCADE Open Data (KCDC), made with kcdc_hep '
        f"{html.escape(__version__)}. Data: {html.escape(', '.join(shown.data))}; "
        f"simulation: {html.escape(', '.join(shown.simulation))}.</p>",
        "<p>Cosmic rays are atomic nuclei from space. When one hits the atmosphere it makes an <i>air shower</i> "
        "of billions of particles. The KASCADE experiment in Karlsruhe measured the electrons and muons of such "
        "showers on the ground from 1996 to 2013. From them we learn the energy of each cosmic ray and whether it "
        "was a light (proton) or a heavy (iron) nucleus.</p>",
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
    parts += _composition_table(result.composition)
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
