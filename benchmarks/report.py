"""Turn measured rows into numbers people can compare: medians, spreads, ratios, files.

Everything here is plain Python on the results dictionary the runner builds,
so it can be tested without running a framework:

    results = {"mode": ..., "machine": {...}, "notes": [...], "cases": [case, ...]}
    case    = {"id", "number", "title", "unit", "required", "goal", "rows": [row, ...]}
    row     = {"framework", "variant", "status": "ok" | "error", "values": [...], ...}

`values` are one number per repeat, already in the case's display unit.
"""

from __future__ import annotations

import json
import os
import statistics
import tempfile
from pathlib import Path


def summarize(values: list[float]) -> dict:
    """Median, min, max and spread = (max - min) / median of the repeats."""
    med = statistics.median(values)
    lo, hi = min(values), max(values)
    return {"median": med, "min": lo, "max": hi, "spread": (hi - lo) / med if med else 0.0}


def is_minidl(row: dict) -> bool:
    return row["framework"].startswith("minidl")


def label(row: dict) -> str:
    return f"{row['framework']} {row['variant']}"


def ok_rows(case: dict) -> list[dict]:
    return [r for r in case["rows"] if r.get("status") == "ok" and r.get("values")]


def add_stats(case: dict) -> dict:
    """Fill each row's summary, each minidl row's ratios, and the case's fastest peer."""
    for row in ok_rows(case):
        row.update(summarize(row["values"]))
    peers = [r for r in ok_rows(case) if not is_minidl(r)]
    fastest = min(peers, key=lambda r: r["median"], default=None)
    case["fastest_peer"] = label(fastest) if fastest else None
    for row in ok_rows(case):
        if is_minidl(row):
            row["ratios"] = {label(p): row["median"] / p["median"] for p in peers}
            row["vs_fastest"] = row["median"] / fastest["median"] if fastest else None
    return case


def verdict(ratio: float | None, target: float | None) -> str:
    if ratio is None or target is None:
        return ""
    return "yes" if ratio <= target else "no"


def _num(x: float | None) -> str:
    if x is None:
        return "-"
    return f"{x:.3g}" if abs(x) < 100 else f"{x:.0f}"


def _target(x: float | None) -> str:
    return "-" if x is None else f"<= {x:.1f}x"


def _case_table(case: dict) -> list[str]:
    minidl = [r for r in ok_rows(case) if is_minidl(r)]
    head = ["row", f"median {case['unit']}", "min-max", "spread", "units x repeats",
            "first call s", *[f"{label(m)} / row" for m in minidl]]
    lines = [f"### {case['number']}. {case['title']} ({case['unit']}, lower is better)", "",
             "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    notes = []
    for row in case["rows"]:
        name = label(row)
        if row.get("status") != "ok" or not row.get("values"):
            cells = [name, row.get("status", "?")] + [""] * (len(head) - 2)
            notes.append(f"- {name}: {row.get('error', 'no measurement')}")
        else:
            runs = f"{row.get('units', 1)} x {len(row['values'])}"
            ratios = [_num(m["median"] / row["median"]) for m in minidl]
            cells = [name, _num(row["median"]), f"{_num(row['min'])}-{_num(row['max'])}",
                     f"{100 * row['spread']:.0f}%", runs, _num(row.get("first_call_s")),
                     *ratios]
            if row.get("check"):
                notes.append(f"- {name}: {row['check']}")
        lines.append("| " + " | ".join(cells) + " |")
    return [*lines, "", *notes, ""]


def summary_table(results: dict) -> list[str]:
    """One line per (case, minidl variant): ratio to the fastest peer against issue 5's targets."""
    lines = ["| case | minidl | median | best peer | peer median | minidl/peer | "
             "required | goal | meets required |", "|" + "---|" * 9]
    for case in results["cases"]:
        fastest = next((r for r in ok_rows(case) if label(r) == case.get("fastest_peer")), None)
        for row in ok_rows(case):
            if not is_minidl(row):
                continue
            ratio = row.get("vs_fastest")
            lines.append("| " + " | ".join([
                f"{case['number']} {case['id']}", label(row),
                f"{_num(row['median'])} {case['unit']}", case.get("fastest_peer") or "-",
                _num(fastest["median"]) if fastest else "-",
                f"{ratio:.2f}x" if ratio is not None else "-",
                _target(case.get("required")), _target(case.get("goal")),
                verdict(ratio, case.get("required"))]) + " |")
    return lines


def machine_lines(machine: dict) -> list[str]:
    out = []
    for key, value in machine.items():
        if isinstance(value, dict):
            value = ", ".join(f"{k}={v}" for k, v in value.items()) or "-"
        out.append(f"- {key}: {value}")
    return out


def to_markdown(results: dict) -> str:
    lines = [f"# minidl benchmarks ({results['mode']})", "",
             f"Started {results.get('started', '?')}, took {results.get('duration_s', 0):.0f} s. "
             "Medians of interleaved repeats; spread = (max - min) / median; "
             "ratios below 1 mean minidl is faster (or uses less memory).", "",
             "## Summary", "", *summary_table(results), ""]
    if results.get("notes"):
        lines += ["## Notes", "", *[f"- {n}" for n in results["notes"]], ""]
    lines += ["## Cases", ""]
    for case in results["cases"]:
        if case["rows"]:  # a case nobody ran is explained in the notes
            lines += _case_table(case)
    lines += ["## Machine", "", *machine_lines(results.get("machine", {})), ""]
    return "\n".join(lines)


def atomic_write(path: Path, data: bytes) -> None:
    """Write to a temporary file next to `path`, then rename it into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def plot(results: dict, path: Path) -> None:
    """A horizontal bar chart per case: medians with min-max whiskers, minidl highlighted."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    cases = [c for c in results["cases"] if ok_rows(c)]
    if not cases:
        return
    heights = [0.6 + 0.35 * len(ok_rows(c)) for c in cases]
    fig, axes = plt.subplots(len(cases), 1, figsize=(8, sum(heights) + 0.6), squeeze=False,
                             gridspec_kw={"height_ratios": heights})
    for ax, case in zip(axes[:, 0], cases):
        rows = ok_rows(case)[::-1]
        med = [r["median"] for r in rows]
        err = [[r["median"] - r["min"] for r in rows], [r["max"] - r["median"] for r in rows]]
        colors = ["tab:orange" if is_minidl(r) else "tab:blue" for r in rows]
        ax.barh([label(r) for r in rows], med, xerr=err, color=colors, capsize=3)
        ax.set_title(f"{case['number']}. {case['title']}", fontsize=9, loc="left")
        ax.set_xlabel(f"{case['unit']} (lower is better)", fontsize=8)
        ax.tick_params(labelsize=8)
    fig.suptitle(f"minidl vs peers ({results['mode']}): median and min-max of repeats",
                 fontsize=10)
    fig.tight_layout()
    tmp = path.with_name(f".{path.stem}.tmp.png")
    fig.savefig(tmp, dpi=110)
    plt.close(fig)
    os.replace(tmp, path)


def write_outputs(results: dict, out_dir: Path, stem: str) -> list[Path]:
    """Write STEM.json, STEM.md and STEM.png under `out_dir`; return their paths."""
    out_dir = Path(out_dir)
    json_path, md_path, png_path = (out_dir / f"{stem}.{ext}" for ext in ("json", "md", "png"))
    atomic_write(json_path, (json.dumps(results, indent=1) + "\n").encode())
    atomic_write(md_path, to_markdown(results).encode())
    plot(results, png_path)
    return [json_path, md_path, png_path]
