"""`python -m slrt_devstack.chart [--values FILE ...]`: lint, render and validate the chart."""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

from slrt_devstack.chart import check
from slrt_devstack.errors import StackError
from slrt_devstack.paths import repo_root


def main(argv: list[str] | None = None) -> None:
    """Check the chart with its default values and each values file given."""
    parser = argparse.ArgumentParser(prog="python -m slrt_devstack.chart", description=__doc__)
    parser.add_argument("--values", type=Path, action="append", default=[])
    args = parser.parse_args(argv)
    root = repo_root()
    chart = check.chart_dir(root)
    failed = False
    for values in [[], *([v] for v in args.values)]:
        label = values[0].name if values else "default values"
        try:
            check.lint(chart, values)
            manifest = check.render(chart, values)
            result = check.validate(root, manifest)
            findings = check.score(manifest)
        except StackError as exc:
            print(f"{label}: {exc}", file=sys.stderr)
            failed = True
            continue
        kinds = Counter(r.get("kind") for r in result.resources)
        summary = ", ".join(f"{n} {k}" for k, n in sorted(kinds.items()))
        print(
            f"{label}: helm lint ok; {len(result.resources)} resources, "
            f"{len(result.problems)} invalid ({summary}); kube-score: {len(findings)} findings"
        )
        for problem in result.problems:
            print(f"  {problem}", file=sys.stderr)
        for finding in findings:
            print(f"  kube-score: {finding}", file=sys.stderr)
        failed |= bool(result.problems or findings)
    raise SystemExit(1 if failed else 0)


if __name__ == "__main__":
    main()
