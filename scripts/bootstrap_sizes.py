"""Zipped sizes of the functions' bootstraps against their budgets (docs/benchmarks.md, docs/decisions/0010).

Usage: python scripts/bootstrap_sizes.py [--check] OUTPUT.json name=PATH ...

With --check (what `make test` runs) a bootstrap over its budget, or one that is missing, fails the run.
"""

import io
import json
import os
import subprocess
import sys
import zipfile

MIB = 1024 * 1024
# invoicing and reporting carry PDF, XLSX and Parquet writers: 6 MiB. billing is invoicing's HTTP side, with the
# same PDF renderer, and reports is reporting's, with the same writers: 6 MiB too, argued in docs/decisions/0010.
# shipment renders each despatch's delivery note with the same renderer: 6 MiB (docs/decisions/0019).
# Everything else 3 MiB.
BUDGETS = {"invoicing": 6 * MIB, "billing": 6 * MIB, "reporting": 6 * MIB, "reports": 6 * MIB, "shipment": 6 * MIB}


def provenance():
    """The commit the bootstraps were built from (`-dirty` with uncommitted changes) and the Rust toolchain."""
    def output(*args):
        try:
            return subprocess.run(args, capture_output=True, text=True, check=True).stdout.strip()
        except (OSError, subprocess.CalledProcessError):
            return ""
    commit = output("git", "rev-parse", "--short", "HEAD")
    if output("git", "status", "--porcelain", "--untracked-files=no", "--", ".", ":(exclude)bench/results"):
        commit += "-dirty"
    return {"commit": commit, "rustc": output("rustc", "--version")}


def main():
    args = sys.argv[1:]
    check = args[:1] == ["--check"]
    if check:
        args = args[1:]
    output, specs = args[0], args[1:]
    functions = {}
    for spec in specs:
        name, path = spec.split("=", 1)
        if not os.path.isfile(path):
            sys.exit(f"bootstrap {name}: {path} does not exist (run make lambda-build)")
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.write(path, "bootstrap")
        zipped = len(buffer.getvalue())
        budget = BUDGETS.get(name, 3 * MIB)
        functions[name] = {"bootstrap_bytes": os.path.getsize(path), "zipped_bytes": zipped, "budget_bytes": budget,
                           "within_budget": zipped <= budget, "headroom_bytes": budget - zipped}
        print(f"bootstrap {name:<13} {zipped / MIB:5.2f} MiB zipped (budget {budget / MIB:.0f} MiB, "
              f"headroom {(budget - zipped) / 1024:6.0f} KiB)")
    report = {"what": "zipped x86-64 release bootstraps (cargo lambda build --release --x86-64)", **provenance(),
              "within_budget": all(f["within_budget"] for f in functions.values()), "functions": functions}
    with open(output, "w", encoding="utf-8") as handle:
        json.dump(report, handle, indent=2, sort_keys=True)
        handle.write("\n")
    print(f"written to {output}")
    over = [name for name, f in functions.items() if not f["within_budget"]]
    if check and over:
        sys.exit("over budget: " + ", ".join(f"{n} by {-functions[n]['headroom_bytes']} bytes" for n in over))


if __name__ == "__main__":
    main()
