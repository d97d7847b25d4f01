"""Command line check of the demo data: `python -m qingdan_api.demo.generator --items N`."""

from __future__ import annotations

import argparse
import time
from collections import Counter

from .items import generate_items
from .units import generate_units

__all__ = ["generate_items", "generate_units", "main"]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--items", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=2025)
    args = parser.parse_args(argv)

    start = time.perf_counter()
    units = generate_units(seed=args.seed)
    categories, states, versions = Counter(), Counter(), Counter()
    subs = count = 0
    for item in generate_items(units, total=args.items, seed=args.seed):
        count += 1
        categories[item["category"]] += 1
        states[item["_state"]] += 1
        versions[len(item["_versions"]) + (item["_published_at"] is not None)] += 1
        subs += item["parent_code"] is not None
    elapsed = time.perf_counter() - start

    print(f"units: {len(units)} ({sum(u['zero_report'] for u in units)} zero report)")
    print(f"items: {count}, sub-items: {subs}")
    print("by category:", dict(sorted(categories.items())))
    print("by state:", dict(states.most_common()))
    print("published versions per item:", dict(sorted(versions.items())))
    print(f"{elapsed:.2f} s, {count / elapsed:,.0f} items/s")


if __name__ == "__main__":
    main()
