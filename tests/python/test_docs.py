"""Docs as tests (docs/reliability.md, "Docs as tests"): every ```sh and ```python block in
README.md and docs/*.md runs, in order, as a reader would run it from the checkout after the
README's set-up command, and fails the test on a non-zero exit.

Each Markdown file's blocks run in one scratch folder that looks like the checkout (its
top-level entries are links to the source tree's, and `build` is the build being tested), so
that the files a block writes (`-o out.h5`) stay out of the source tree and a later block
finds them. `fleetsim` is on the PATH (README, "Using it": `export PATH=$PWD/build/sim/cli:$PATH`),
`python3` is Debian's, and Python blocks run with PYTHONPATH=analysis, as their first line
says. Shell blocks run under `bash -euo pipefail`.

An HTML comment on the lines just above a block changes how it runs; each says why:

    <!-- doc-test: skip: REASON -->             not run (REASON is required: Slurm, apt-get...)
    <!-- doc-test: replace OLD => NEW -->       run with OLD replaced by NEW (OLD must occur):
                                                the shortened variant of a long run
    <!-- doc-test: expect TEXT -->              the output (stdout + stderr) must contain TEXT
    <!-- doc-test: timeout SECONDS -->          default 300
    <!-- doc-test: file PATH -->                 (any block, yaml too) the block is the shipped file
                                                PATH, but for the comment lines that open it
    <!-- doc-test: requires PATH -->            skipped, with a message, where PATH (relative to
                                                the checkout) is absent: ../shared/data
"""
from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from conftest import SOURCE_DIR

RUNNABLE = {"sh": "sh", "bash": "sh", "python": "python"}
DIRECTIVE = re.compile(r"^<!--\s*doc-test:\s*(?P<verb>skip|replace|expect|timeout|requires|file)\b:?\s*(?P<rest>.*?)\s*-->\s*$")
DOC_FILES = [SOURCE_DIR / "README.md", *sorted((SOURCE_DIR / "docs").glob("*.md"))]


@dataclass
class Block:
    file: Path
    line: int  # of the opening fence, 1-based
    language: str
    code: str
    skip: str | None = None
    replacements: list[tuple[str, str]] = field(default_factory=list)
    expects: list[str] = field(default_factory=list)
    timeout: float = 300.0
    requires: list[str] = field(default_factory=list)
    same_as: str | None = None  # a shipped file the block shows

    @property
    def name(self) -> str:
        return f"{self.file.relative_to(SOURCE_DIR)}:{self.line}"


def parse_blocks(path: Path) -> list[Block]:
    """The runnable blocks of one Markdown file with their directives. A directive that is not
    understood, or one that is not followed by a runnable block, is an error."""
    blocks: list[Block] = []
    lines = path.read_text(encoding="utf-8").splitlines()
    pending: list[tuple[int, re.Match[str]]] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        stripped = line.strip()
        if stripped.startswith("<!--") and "doc-test" in stripped:
            match = DIRECTIVE.match(stripped)
            if not match:
                raise ValueError(f"{path}:{i + 1}: doc-test directive not understood: {stripped}")
            pending.append((i + 1, match))
            i += 1
            continue
        if stripped.startswith("```"):
            language = stripped[3:].strip()
            end = i + 1
            while end < len(lines) and not lines[end].strip().startswith("```"):
                end += 1
            code = "\n".join(lines[i + 1:end]) + "\n"
            shown_file = [m for _, m in pending if m.group("verb") == "file"]
            if language in RUNNABLE or shown_file:
                block = Block(path, i + 1, RUNNABLE.get(language, language), code)
                for where, match in pending:
                    apply_directive(block, match, f"{path}:{where}")
                blocks.append(block)
            elif pending:
                raise ValueError(f"{path}:{pending[0][0]}: a doc-test directive before a ```{language} block")
            pending = []
            i = end + 1
            continue
        if stripped and pending:
            raise ValueError(f"{path}:{pending[0][0]}: a doc-test directive not followed by a code block")
        i += 1
    return blocks


def apply_directive(block: Block, match: re.Match[str], where: str) -> None:
    verb, rest = match.group("verb"), match.group("rest")
    if verb == "skip":
        if not rest:
            raise ValueError(f"{where}: doc-test skip needs a reason")
        block.skip = rest
    elif verb == "replace":
        old, sep, new = rest.partition(" => ")
        if not sep or not old:
            raise ValueError(f"{where}: doc-test replace needs 'OLD => NEW'")
        if old not in block.code:
            raise ValueError(f"{where}: doc-test replace: {old!r} does not occur in the block")
        block.replacements.append((old, new))
    elif verb == "expect":
        block.expects.append(rest)
    elif verb == "timeout":
        block.timeout = float(rest)
    elif verb == "requires":
        block.requires.append(rest)
    elif verb == "file":
        block.same_as = rest


ALL_BLOCKS = [block for path in DOC_FILES for block in parse_blocks(path)]


def build_dir() -> Path | None:
    binary = os.environ.get("FLEETSIM_BIN")
    if binary:
        return Path(binary).resolve().parents[2]
    default = SOURCE_DIR / "build"
    return default if (default / "sim" / "cli" / "fleetsim").exists() else None


@pytest.fixture(scope="module")
def checkouts(tmp_path_factory: pytest.TempPathFactory) -> dict[Path, Path]:
    """A scratch checkout per Markdown file, made on first use."""
    return {}


def scratch_checkout(root: Path, build: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    for entry in SOURCE_DIR.iterdir():
        if entry.name in {".git", "build"} or entry.name.startswith("build-"):
            continue
        (root / entry.name).symlink_to(entry)
    (root / "build").symlink_to(build)
    shared = SOURCE_DIR.parent / "shared"
    if shared.exists() and not (root.parent / "shared").exists():
        (root.parent / "shared").symlink_to(shared)  # ../shared/data, as beside the checkout
    tools = root / ".doc-test-bin"
    tools.mkdir()
    (tools / "fleetsim").symlink_to(build / "sim" / "cli" / "fleetsim")
    (tools / "python3").symlink_to("/usr/bin/python3")
    return root


def test_every_block_parses() -> None:
    assert ALL_BLOCKS, "no runnable blocks found"
    names = [b.name for b in ALL_BLOCKS]
    assert len(names) == len(set(names))


@pytest.mark.parametrize("block", ALL_BLOCKS, ids=lambda b: b.name)
def test_doc_block(block: Block, checkouts: dict[Path, Path], tmp_path_factory: pytest.TempPathFactory) -> None:
    if block.skip:
        pytest.skip(block.skip)
    if block.same_as:
        shipped = (SOURCE_DIR / block.same_as).read_text(encoding="utf-8").splitlines(keepends=True)
        while shipped and shipped[0].startswith("#"):
            shipped.pop(0)
        assert "".join(shipped) == block.code, f"{block.name} differs from {block.same_as}"
        if block.language not in RUNNABLE.values():
            return
    build = build_dir()
    if build is None:
        pytest.skip("no build: set FLEETSIM_BIN or build into build/")
    for path in block.requires:
        if not (SOURCE_DIR / path).exists():
            pytest.skip(f"{path} is absent (docs/reliability.md, \"Docs as tests\")")
    if block.file not in checkouts:
        checkouts[block.file] = scratch_checkout(tmp_path_factory.mktemp(block.file.stem) / "fleetsim", build)
    root = checkouts[block.file]
    code = block.code
    for old, new in block.replacements:
        code = code.replace(old, new)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FLEETSIM_", "PYTHON"))}
    env.update(PATH=f"{root / '.doc-test-bin'}:/usr/bin:/bin", MPLBACKEND="Agg", HOME=str(root.parent),
               OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
    if block.language == "python":
        env["PYTHONPATH"] = "build/python:analysis"  # the module (docs/python.md), then the analysis tools
        command = ["/usr/bin/python3", "-c", code]
    else:
        command = ["/bin/bash", "-euo", "pipefail", "-c", code]
    result = subprocess.run(command, cwd=root, env=env, capture_output=True, text=True, timeout=block.timeout)
    output = result.stdout + result.stderr
    assert result.returncode == 0, f"{block.name} exited {result.returncode}:\n{code}\n--- output ---\n{output[-4000:]}"
    for text in block.expects:
        assert text in output, f"{block.name}: the output lacks {text!r}:\n{output[-4000:]}"
