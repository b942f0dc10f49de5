"""Build the class-balanced Fashion-MNIST subset shipped in data/fashion-mnist-subset/.

Needs the full data set (Debian: ``apt-get install dataset-fashion-mnist``, or a folder
named by WGAN_COURSE_DATA, or ``--download``). Draws, with a fixed seed, 1,000 training
and 200 test images of each of the 10 classes, writes them as gzip IDX files (no time
stamp, so the bytes are reproducible) and records their SHA-256 in SHA256SUMS.

    python scripts/build_fashion_subset.py [--train-per-class 1000] [--test-per-class 200] [--seed 0]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from course_utils import image_data as D  # noqa: E402


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--train-per-class", type=int, default=1000)
    parser.add_argument("--test-per-class", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=D.SUBSET_DIR)
    parser.add_argument("--download", action="store_true", help="download the full data set if no copy is found")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    sums, info = [], {"seed": args.seed, "splits": {}}
    for split, per_class, seed in (("train", args.train_per_class, args.seed),
                                   ("test", args.test_per_class, args.seed + 1)):
        full = D.load_images(split, "fashion-mnist", full=True, download=args.download or None)
        idx = D.balanced_indices(full.labels, per_class, seed)
        for kind, array in (("images", full.images[idx]), ("labels", full.labels[idx].astype("uint8"))):
            path = D.write_idx(args.out / D.FILES[(split, kind)], array)
            sums.append(f"{D.sha256_file(path)}  {path.name}")
        (args.out / f"{split}-indices.txt").write_text(" ".join(map(str, idx.tolist())) + "\n")
        info["splits"][split] = {"source": full.origin, "per_class": per_class, "n": int(len(idx)),
                                 "index_seed": seed, "indices_file": f"{split}-indices.txt"}
        print(f"{split}: {len(idx)} images from {full.origin}")
    (args.out / "SHA256SUMS").write_text("\n".join(sums) + "\n")
    (args.out / "subset.json").write_text(json.dumps(info, indent=2) + "\n")
    print("\n".join(sums))
    return 0


if __name__ == "__main__":
    sys.exit(main())
