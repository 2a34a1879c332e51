#!/usr/bin/env python3
"""Builds the demo model's corpus from English fortune files that Debian packages ship.

Reads /usr/share/games/fortunes (apt-get install fortunes fortunes-min fortunes-bofh-excuses
fortunes-debian-hints), keeps each fortune once, shuffles them with a fixed seed and writes
demo/corpus/{train,valid,test}.txt in the fortune file format (fortunes separated by a line "%").
Stdlib only; the output is byte-identical for the same package versions.
"""
import hashlib
import random
import re
from pathlib import Path

FORTUNES = Path("/usr/share/games/fortunes")
OUT = Path(__file__).resolve().parent.parent / "demo" / "corpus"
# English files, by package; ascii-art is pictures, not text, and translate-me is mixed languages.
SKIP = {"ascii-art", "translate-me"}
PACKAGES = {
    "fortunes": "BSD-3-Clause (fortune-mod, The Regents of the University of California)",
    "fortunes-min": "BSD-3-Clause (fortune-mod, The Regents of the University of California)",
    "fortunes-bofh-excuses": "public domain",
    "fortunes-debian-hints": "BSD-3-Clause (Joel Aelwyn and others)",
}
VALID_SHARE = TEST_SHARE = 0.03
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def fortune_files():
    for path in sorted(FORTUNES.iterdir()):
        if path.is_file() and path.suffix not in (".dat", ".u8") and path.name not in SKIP \
                and not path.name.startswith("mario."):
            yield path


def fortunes(path):
    text = path.read_text(encoding="utf-8", errors="replace")
    for chunk in re.split(r"^%\n", text, flags=re.M):
        lines = [line.rstrip() for line in chunk.expandtabs(8).split("\n")]
        body = "\n".join(lines).strip("\n")
        if body and not CONTROL.search(body) and "\ufffd" not in body:
            yield body


def main():
    seen, items = set(), []
    for path in fortune_files():
        for body in fortunes(path):
            if body not in seen:
                seen.add(body)
                items.append(body)
    random.Random(20261201).shuffle(items)
    n_valid, n_test = int(len(items) * VALID_SHARE), int(len(items) * TEST_SHARE)
    splits = {"valid": items[:n_valid], "test": items[n_valid:n_valid + n_test], "train": items[n_valid + n_test:]}
    OUT.mkdir(parents=True, exist_ok=True)
    for name, part in splits.items():
        data = "\n%\n".join(part) + "\n"
        (OUT / f"{name}.txt").write_text(data, encoding="utf-8")
        print(f"{name}: {len(part)} fortunes, {len(data.encode())} bytes, sha256 {hashlib.sha256(data.encode()).hexdigest()[:16]}")


if __name__ == "__main__":
    main()
