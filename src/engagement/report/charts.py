"""The report's charts: matplotlib (Agg, no display) figures encoded as base64 PNG for an offline page."""

from __future__ import annotations

import base64
import io
import math
import struct
from collections.abc import Sequence
from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402  (the backend must be chosen first)
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import FuncFormatter, PercentFormatter  # noqa: E402

from engagement.report.readings import label  # noqa: E402

DPI = 110
WIDE = (12.4, 4.2)
HALF = (6.1, 4.2)

# Segment colours follow the lifecycle ladder (healthiest first: green to red), so no chart names a segment.
LADDER_CMAP = "RdYlGn_r"
OTHER_SEGMENT_COLOR = "#bababa"
DIRECTION_COLORS = {"progressed": "#1b7837", "regressed": "#b2182b"}
STATUS_COLORS = {"on_target": "#1b7837", "off_target": "#b2182b"}
SERIES_COLORS = ("#2166ac", "#b2182b", "#762a83", "#e08214", "#1b7837")

plt.rcParams.update(
    {
        "font.size": 9,
        "axes.titlesize": 11,
        "axes.titleweight": "bold",
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.grid": True,
        "grid.alpha": 0.3,
        "svg.hashsalt": "engagement-report",
    }
)


@dataclass(frozen=True)
class Chart:
    """One rendered chart: its title (also drawn in the image), the PNG and the one-line reading."""

    title: str
    png_base64: str
    reading: str
    width_px: int
    height_px: int
    wide: bool = False


def _render(fig: Figure, title: str, reading: str, wide: bool) -> Chart:
    buffer = io.BytesIO()
    # no software/time metadata in the PNG: the same marts give byte-identical reports
    fig.savefig(
        buffer, format="png", dpi=DPI, bbox_inches="tight", pad_inches=0.08, metadata={"Software": None}
    )
    plt.close(fig)
    png = buffer.getvalue()
    # the IHDR chunk holds the pixel size (bytes 16-24), after a tight crop it differs from the figure's
    width, height = struct.unpack(">II", png[16:24])
    return Chart(title, base64.b64encode(png).decode("ascii"), reading, width, height, wide)


def _segment_color(segment: str, ladder: Sequence[str]) -> str:
    """The segment's colour by its place on the governed lifecycle ladder (healthiest first)."""
    if segment not in ladder:
        return OTHER_SEGMENT_COLOR
    position = ladder.index(segment) / max(len(ladder) - 1, 1)
    return str(matplotlib.colors.to_hex(matplotlib.colormaps[LADDER_CMAP](0.05 + 0.9 * position)))


def _ordered(segments: list[str] | pd.Index, ladder: Sequence[str]) -> list[str]:
    """Segments in ladder order (healthiest first), unknown ones after, alphabetically."""
    known = [seg for seg in ladder if seg in set(segments)]
    return known + sorted(seg for seg in segments if seg not in ladder)


def segment_sizes(sizes: pd.DataFrame, ladder: Sequence[str], title: str, reading: str) -> Chart:
    """Stacked area: one row per week (DatetimeIndex), one column per segment; ``ladder`` healthiest first."""
    fig, ax = plt.subplots(figsize=WIDE)
    columns = _ordered(list(sizes.columns), ladder)
    ax.stackplot(
        sizes.index,
        *[sizes[col].to_numpy(dtype=float) for col in columns],
        labels=[label(col) for col in columns],
        colors=[_segment_color(col, ladder) for col in columns],
        linewidth=0.3,
        edgecolor="white",
    )
    ax.set_title(title)
    ax.set_xlabel("week (Monday)")
    ax.set_ylabel("users")
    ax.set_xlim(sizes.index.min(), sizes.index.max())
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False, title="lifecycle segment")
    return _render(fig, title, reading, wide=True)


def transition_heatmap(counts: pd.DataFrame, ladder: Sequence[str], title: str, reading: str) -> Chart:
    """Rows: from segment, columns: to segment; colour = share of the row, text = members."""
    rows = (["(entered)"] if "(entered)" in counts.index else []) + _ordered(
        [idx for idx in counts.index if idx != "(entered)"], ladder
    )
    cols = _ordered(list(counts.columns), ladder)
    counts = counts.reindex(index=rows, columns=cols, fill_value=0)
    totals = counts.sum(axis=1).replace(0, np.nan)
    shares = counts.div(totals, axis=0).fillna(0.0)
    fig, ax = plt.subplots(figsize=HALF)
    image = ax.imshow(shares.to_numpy(), cmap="Blues", vmin=0, vmax=1, aspect="auto")
    ax.grid(False)
    ax.set_xticks(range(len(cols)), [label(col) for col in cols], rotation=40, ha="right")
    ax.set_yticks(range(len(rows)), [label(row) for row in rows])
    for i, _row in enumerate(rows):
        for j, _col in enumerate(cols):
            members = int(counts.iat[i, j])
            if members:
                dark = shares.iat[i, j] > 0.55
                ax.text(
                    j,
                    i,
                    f"{members}",
                    ha="center",
                    va="center",
                    fontsize=7,
                    color="white" if dark else "#222222",
                )
    ax.set_title(title)
    ax.set_xlabel("segment this week")
    ax.set_ylabel("segment last week")
    fig.colorbar(
        image,
        ax=ax,
        fraction=0.046,
        pad=0.03,
        format=PercentFormatter(1.0),
        label="share of last week's segment",
    )
    return _render(fig, title, reading, wide=False)


def transition_flows(moves: pd.DataFrame, title: str, reading: str) -> Chart:
    """Horizontal bars: the largest moves between different segments, coloured by direction."""
    moves = moves.sort_values("members", ascending=True, kind="stable")
    fig, ax = plt.subplots(figsize=HALF)
    names = [
        f"{label(f)} → {label(t)}" for f, t in zip(moves["from_segment"], moves["to_segment"], strict=True)
    ]
    colors = [DIRECTION_COLORS.get(d, "#999999") for d in moves["direction"]]
    ax.barh(names, moves["members"], color=colors)
    for y, (members, rate) in enumerate(zip(moves["members"], moves["transition_rate"], strict=True)):
        ax.text(members, y, f" {int(members)} ({rate:.0%})", va="center", fontsize=7)
    ax.set_title(title)
    ax.set_xlabel("members who moved (share of their segment last week)")
    ax.set_ylabel("from → to")
    ax.set_xlim(0, max(1.0, float(moves["members"].max()) * 1.25))
    handles = [plt.Rectangle((0, 0), 1, 1, color=color) for color in DIRECTION_COLORS.values()]
    ax.legend(handles, list(DIRECTION_COLORS), loc="lower right", frameon=False)
    ax.grid(axis="y", visible=False)
    return _render(fig, title, reading, wide=False)


def scorecard_attainment(scored: pd.DataFrame, min_sample: int, title: str, reading: str) -> Chart:
    """Horizontal bars: value against target (1 = on target), coloured by status; pale = small sample."""
    scored = scored.sort_values(["pillar", "metric"], ascending=False, kind="stable")
    cap = 2.0
    shown = scored["attainment"].clip(upper=cap)
    fig, ax = plt.subplots(figsize=HALF)
    names = [f"{label(m)}" for m in scored["metric"]]
    small = (scored["sample_size"] < min_sample).to_numpy()
    bars = ax.barh(names, shown, color=[STATUS_COLORS.get(s, "#999999") for s in scored["status"]])
    for bar, is_small in zip(bars, small, strict=True):
        if is_small:
            bar.set_alpha(0.35)
            bar.set_hatch("///")
    ax.axvline(1.0, color="#333333", linestyle="--", linewidth=1)
    ax.text(1.0, len(names) - 0.4, " target", fontsize=7, va="bottom")
    for y, (value, n, is_small) in enumerate(
        zip(scored["attainment"], scored["sample_size"], small, strict=True)
    ):
        text = "≥2×" if value > cap else f"{value:.2f}×"
        ax.text(
            min(value, cap), y, f" {text}" + (f" (n={int(n)})" if is_small else ""), va="center", fontsize=7
        )
    ax.set_xlim(0, cap * 1.15)
    ax.set_title(title)
    ax.set_xlabel("value / target (at-most metrics: target / value); 1 = on target")
    ax.set_ylabel("metric")
    ax.grid(axis="y", visible=False)
    handles = [plt.Rectangle((0, 0), 1, 1, color=color) for color in STATUS_COLORS.values()]
    ax.legend(handles, [label(s) for s in STATUS_COLORS], loc="lower right", frameon=False)
    return _render(fig, title, reading, wide=False)


def cohort_activation(cohorts: pd.DataFrame, window_days: int, title: str, reading: str) -> Chart:
    """Bars: signups whose window closed in the week (right axis); line: activation rate within it (left)."""
    fig, ax = plt.subplots(figsize=HALF)
    weeks = pd.to_datetime(cohorts["window_closed_week"])
    bars = ax.twinx()
    bars.bar(weeks, cohorts["signups"], width=5, color="#d1e5f0", label="signups")
    bars.set_ylabel("signups in the cohort")
    bars.grid(False)
    bars.spines["right"].set_visible(True)
    ax.set_zorder(bars.get_zorder() + 1)
    ax.patch.set_visible(False)
    ax.plot(
        weeks,
        cohorts["activation_rate"],
        color="#2166ac",
        marker="o",
        markersize=3,
        label=f"activated within {window_days} days",
    )
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_ylim(0, 1.05)
    ax.set_title(title)
    ax.set_xlabel("week the activation window closed (cohort)")
    ax.set_ylabel(f"activated within {window_days} days")
    fig.autofmt_xdate()
    lines, names = ax.get_legend_handles_labels()
    bar_lines, bar_names = bars.get_legend_handles_labels()
    ax.legend(lines + bar_lines, names + bar_names, loc="lower left", frameon=False)
    return _render(fig, title, reading, wide=False)


def retention_curves(curves: pd.DataFrame, ladder: Sequence[str], title: str, reading: str) -> Chart:
    """One line per segment: share with a key action k weeks after the anchor week."""
    fig, ax = plt.subplots(figsize=HALF)
    for segment in _ordered(list(curves["lifecycle_segment"].unique()), ladder):
        part = curves[curves["lifecycle_segment"] == segment].sort_values("weeks_after")
        ax.plot(
            part["weeks_after"],
            part["retention_rate"],
            marker="o",
            markersize=3,
            color=_segment_color(segment, ladder),
            label=label(segment),
        )
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_ylim(0, 1.02)
    ax.set_title(title)
    ax.set_xlabel("weeks after the week the user was in the segment")
    ax.set_ylabel("users with a key action that week")
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False, title="segment then")
    return _render(fig, title, reading, wide=False)


def calibration_curve(calibration: pd.DataFrame, main_model: str, title: str, reading: str) -> Chart:
    """Reliability diagram: mean predicted probability vs observed churn rate per bin, per model."""
    fig, ax = plt.subplots(figsize=HALF)
    ax.plot([0, 1], [0, 1], linestyle="--", color="#666666", linewidth=1, label="perfectly calibrated")
    models = sorted(calibration["model_name"].unique(), key=lambda m: (m != main_model, m))
    for color, model in zip(SERIES_COLORS, models, strict=False):
        part = calibration[(calibration["model_name"] == model) & (calibration["n_rows"] > 0)]
        part = part.sort_values("bin_index")
        sizes = 10 + 90 * part["n_rows"] / max(1, int(calibration["n_rows"].max()))
        width = 2.2 if model == main_model else 1.0
        ax.plot(
            part["mean_predicted"],
            part["observed_rate"],
            color=color,
            linewidth=width,
            label=label(model) + (" (main)" if model == main_model else ""),
        )
        ax.scatter(part["mean_predicted"], part["observed_rate"], s=sizes, color=color, alpha=0.8)
    top = float(np.nanmax([calibration["mean_predicted"].max(), calibration["observed_rate"].max(), 0.1]))
    limit = min(1.0, math.ceil(top * 10 + 0.5) / 10)
    ax.set_xlim(0, limit)
    ax.set_ylim(0, limit)
    ax.xaxis.set_major_formatter(PercentFormatter(1.0))
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_title(title)
    ax.set_xlabel("mean predicted churn probability (bin; dot size = accounts)")
    ax.set_ylabel("observed churn rate")
    ax.legend(loc="upper left", frameon=False)
    return _render(fig, title, reading, wide=False)


def lift_chart(deciles: pd.DataFrame, title: str, reading: str) -> Chart:
    """Bars: churn rate of each risk decile over the average (1 = no better than random)."""
    fig, ax = plt.subplots(figsize=HALF)
    deciles = deciles.sort_values("decile")
    ax.bar(deciles["decile"].astype(int), deciles["lift"], color="#2166ac")
    ax.axhline(1.0, color="#333333", linestyle="--", linewidth=1)
    ax.text(float(deciles["decile"].max()) + 0.4, 1.0, "random", fontsize=7, va="bottom", ha="right")
    for decile, lift, churned, accounts in zip(
        deciles["decile"], deciles["lift"], deciles["churned"], deciles["accounts"], strict=True
    ):
        ax.text(
            int(decile), float(lift), f"{int(churned)}/{int(accounts)}", ha="center", va="bottom", fontsize=7
        )
    ax.set_xticks(deciles["decile"].astype(int))
    ax.set_title(title)
    ax.set_xlabel("risk decile of the held-out accounts (1 = highest predicted churn)")
    ax.set_ylabel("churn rate / average churn rate")
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:.1f}×"))
    return _render(fig, title, reading, wide=False)


def centroid_heatmap(centroids: pd.DataFrame, title: str, reading: str) -> Chart:
    """Rows: clusters, columns: features; colour = standardised across clusters, text = centroid value."""
    values = centroids.to_numpy(dtype=float)
    spread = np.nanstd(values, axis=0)
    z = (values - np.nanmean(values, axis=0)) / np.where(spread > 0, spread, 1.0)
    fig, ax = plt.subplots(figsize=WIDE)
    image = ax.imshow(z, cmap="RdBu_r", vmin=-2, vmax=2, aspect="auto")
    ax.grid(False)
    ax.set_xticks(
        range(centroids.shape[1]), [label(col) for col in centroids.columns], rotation=25, ha="right"
    )
    ax.set_yticks(range(centroids.shape[0]), list(centroids.index))
    for i in range(values.shape[0]):
        for j in range(values.shape[1]):
            if not math.isnan(values[i, j]):
                ax.text(
                    j,
                    i,
                    f"{values[i, j]:.2f}",
                    ha="center",
                    va="center",
                    fontsize=8,
                    color="white" if abs(z[i, j]) > 1.2 else "#222222",
                )
    ax.set_title(title)
    ax.set_xlabel("clustering feature (centroid value; log_ features are log1p)")
    ax.set_ylabel("cluster (share of users)")
    fig.colorbar(image, ax=ax, fraction=0.025, pad=0.01, label="std. deviations from the clusters' mean")
    return _render(fig, title, reading, wide=True)


def experiment_forest(readout: pd.DataFrame, title: str, reading: str) -> Chart:
    """Lift of each treatment over its control with the 95% interval, for activation and retention."""
    readout = readout.sort_values(["experiment_id", "variant"], ascending=False)
    names = [f"{e}\n{v}" for e, v in zip(readout["experiment_id"], readout["variant"], strict=True)]
    fig, ax = plt.subplots(figsize=HALF)
    positions = np.arange(len(names), dtype=float)
    for offset, (measure, name, color) in enumerate(
        (("activation", "activation", "#2166ac"), ("retention_4w", "4-week retention", "#e08214"))
    ):
        lift = readout[f"{measure}_lift"].astype(float).to_numpy()
        lower = readout[f"{measure}_lift_ci_lower"].astype(float).to_numpy()
        upper = readout[f"{measure}_lift_ci_upper"].astype(float).to_numpy()
        y = positions + (0.15 if offset == 0 else -0.15)
        ax.errorbar(lift, y, xerr=[lift - lower, upper - lift], fmt="o", color=color, capsize=3, label=name)
    ax.axvline(0.0, color="#333333", linewidth=1)
    ax.set_yticks(positions, names)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v * 100:+.0f} pts"))
    ax.set_title(title)
    ax.set_xlabel("treatment minus control, percentage points (95% interval)")
    ax.set_ylabel("experiment / variant")
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False, title="measure")
    ax.grid(axis="y", visible=False)
    return _render(fig, title, reading, wide=False)


def revenue_retention_curves(curves: pd.DataFrame, order: Sequence[str], title: str, reading: str) -> Chart:
    """One line per segment at start: revenue retained (can exceed 100%) k months after the cohort month."""
    fig, ax = plt.subplots(figsize=HALF)
    segments = [seg for seg in order if seg in set(curves["segment"])]
    segments += sorted(seg for seg in curves["segment"].unique() if seg not in order)
    for position, segment in enumerate(segments):
        part = curves[curves["segment"] == segment].sort_values("months_since_start")
        shade = 0.05 + 0.9 * position / max(len(segments) - 1, 1)
        ax.plot(
            part["months_since_start"],
            part["revenue_retention_rate"],
            marker="o",
            markersize=3,
            color=str(matplotlib.colors.to_hex(matplotlib.colormaps[LADDER_CMAP](shade))),
            label=label(segment),
        )
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_ylim(bottom=0)
    ax.set_title(title)
    ax.set_xlabel("months since the account's first paying month")
    ax.set_ylabel("MRR retained (of month 0)")
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False, title="tier at start")
    return _render(fig, title, reading, wide=False)
