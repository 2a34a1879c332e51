#!/usr/bin/env python3
"""Puts a demo model built by scripts/build_demo_model.sh into the repository.

Usage: python3 scripts/land_demo_model.py DIR   (DIR holds demo.gguf and report.md from the GPU run)
Copies demo.gguf to the jar resource (refusing one over 10 MB or still named PLACEHOLDER) and puts
report.md under "Measurements" in docs/DEMO_MODEL.md in place of the placeholder's status notes.
"""
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESOURCE = ROOT / "java/src/main/resources/dev/sluice/demo/demo.gguf"
DOC = ROOT / "docs/DEMO_MODEL.md"
LIMIT = 10 * 1000 * 1000


def main():
    src = Path(sys.argv[1])
    model, report = src / "demo.gguf", (src / "report.md").read_text(encoding="utf-8")
    if model.stat().st_size > LIMIT:
        sys.exit(f"{model} is {model.stat().st_size} bytes, over the 10 MB the jar may carry")
    if b"PLACEHOLDER" in model.read_bytes()[:1 << 16]:
        sys.exit(f"{model} is a placeholder, not a trained demo model")
    shutil.copyfile(model, RESOURCE)
    doc = DOC.read_text(encoding="utf-8")
    start = doc.index("**Status: the jar holds a placeholder**")
    doc = doc[:start] + doc[doc.index("## What it is"):]
    head, _, _ = doc.partition("Pending the GPU run.")
    body = report.split("\n", 1)[1].replace("\n## ", "\n### ")  # the report's sections go under Measurements
    DOC.write_text(head + report.split("\n", 1)[0].lstrip("# ") + ":\n" + body, encoding="utf-8")
    print(f"landed {model} ({model.stat().st_size} bytes); docs/DEMO_MODEL.md has its measurements")


if __name__ == "__main__":
    main()
