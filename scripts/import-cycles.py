#!/usr/bin/env python3
"""Import circles among the files of src/ (issue 17).

Each file is a node (src/a/b.rs and src/a/b/mod.rs are `crate::a::b`). An edge runs from a file to
every module its paths name: `use` declarations (braces expanded) and inline paths that start at
`crate::`, `super::`, `self::` or a child module, each resolved to the longest prefix that is a
module file. `mod x;`
declarations, visibility paths and inline `#[cfg(test)]` modules are not edges. Prints each strongly connected component of more than one file and
exits 1 if there is one; `--count` prints only the number of files in circles.

    python3 scripts/import-cycles.py [--count] [SRC_DIR]
    python3 scripts/import-cycles.py --self-test
"""

import re
import sys
from pathlib import Path


def module_of(path: Path, src: Path) -> tuple:
    parts = list(path.relative_to(src).with_suffix("").parts)
    if parts[-1] == "mod" or parts == ["lib"] or parts == ["main"]:
        parts = parts[:-1]
    return tuple(parts)


def strip_comments(text: str) -> str:
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    return re.sub(r"//[^\n]*", "", text)


def expand(tree: str) -> list:
    """`a::{b, c::{d, e}}` -> ["a::b", "a::c::d", "a::c::e"]."""
    tree = tree.strip()
    depth, brace = 0, -1
    for i, ch in enumerate(tree):
        if ch == "{":
            if depth == 0:
                brace = i
            depth += 1
        elif ch == "}":
            depth -= 1
    if brace < 0:
        return [re.sub(r"\s+as\s+\w+$", "", tree)] if tree else []
    prefix, inner = tree[:brace], tree[brace + 1 : tree.rindex("}")]
    items, depth, start = [], 0, 0
    for i, ch in enumerate(inner):
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        elif ch == "," and depth == 0:
            items.append(inner[start:i])
            start = i + 1
    items.append(inner[start:])
    out = []
    for item in items:
        for sub in expand(item):
            out.append(prefix + sub if sub != "self" else prefix.rstrip(":"))
    return out


def paths_in(text: str) -> list:
    text = strip_comments(text)
    # Visibility (`pub(in crate::a)`) names a module without using it.
    text = re.sub(r"pub\(in [^)]*\)", "pub", text)
    # An inline test module (last in its file, by the house style) is not the product's graph,
    # and its `super` is the file itself.
    test_module = re.search(r"#\[cfg\(test\)\]\s*mod \w+ \{", text)
    if test_module:
        text = text[: test_module.start()]
    found = []
    for m in re.finditer(r"\buse\s+([^;]+);", text):
        found.extend(expand(m.group(1)))
    # The rest of the file, without its `use` declarations (whose braces the pattern would cut).
    text = re.sub(r"\buse\s+[^;]+;", "", text)
    found.extend(re.findall(r"(?<![:\w])\w+(?:::\w+)+", text))
    return [p.replace(" ", "").replace("\n", "") for p in found]


def resolve(path: str, here: tuple, is_mod_file: bool, modules: set):
    segs = path.split("::")
    if segs[0] == "crate":
        base, rest = (), segs[1:]
    elif segs[0] in ("super", "self"):
        # A file's `self` is its own module; `super` climbs from there.
        base = here
        rest = segs
        while rest and rest[0] in ("super", "self"):
            if rest[0] == "super":
                base = base[:-1]
            rest = rest[1:]
    elif here + (segs[0],) in modules:
        # A path from a child module of this file (`grants::password::sign_in`).
        base, rest = here, segs
    else:
        return None
    full = base + tuple(rest)
    for n in range(len(full), -1, -1):
        if full[:n] in modules:
            return full[:n]
    return None


def cycles(src: Path) -> list:
    files = {module_of(p, src): p for p in src.rglob("*.rs")}
    modules = set(files)
    edges = {m: set() for m in modules}
    for m, p in files.items():
        for path in paths_in(p.read_text()):
            target = resolve(path, m, p.name == "mod.rs", modules)
            if target is not None and target != m and target != ():
                edges[m].add(target)
    # Tarjan's strongly connected components.
    index, low, stack, on, out = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in edges[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in sorted(modules):
        if v not in index:
            visit(v)
    return out


def self_test() -> int:
    """The finder on small trees: each circle it must find, and the shapes that are none."""
    import tempfile

    cases = [
        # (files, files in circles)
        ({"lib.rs": "mod a; mod b;", "a.rs": "use crate::b::B;", "b.rs": "use crate::a::A;"}, 2),
        ({"lib.rs": "", "a/mod.rs": "mod c; fn f() { c::g() }", "a/c.rs": "use super::A;"}, 2),
        ({"lib.rs": "", "a.rs": "fn f() { crate::b::g() }", "b.rs": "use crate::{a::{self}, c};", "c.rs": ""}, 2),
        # A parent naming a child's visibility, a test module's `super`, a comment: no circle.
        ({"lib.rs": "", "a/mod.rs": "mod c; pub(in crate::a) fn f() {}", "a/c.rs": "pub(in crate::a) fn g() {}"}, 0),
        ({"lib.rs": "", "a.rs": "use crate::b::B;", "b.rs": "#[cfg(test)]\nmod tests { use super::*; use crate::a::A; }"}, 0),
        ({"lib.rs": "", "a.rs": "use crate::b::B;", "b.rs": "// crate::a::A\nfn f() {}"}, 0),
    ]
    failures = 0
    for files, expected in cases:
        with tempfile.TemporaryDirectory() as root:
            for name, text in files.items():
                path = Path(root) / name
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(text)
            found = sum(len(c) for c in cycles(Path(root)))
        if found != expected:
            failures += 1
            print(f"self-test: {sorted(files)} found {found} files in circles, expected {expected}")
    return 1 if failures else 0


def main() -> int:
    if "--self-test" in sys.argv:
        return self_test()
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    src = Path(args[0] if args else Path(__file__).resolve().parent.parent / "src")
    found = cycles(src)
    if "--count" in sys.argv:
        print(sum(len(c) for c in found))
        return 0
    for comp in found:
        print(f"circle of {len(comp)} files:")
        for m in comp:
            print("  crate::" + "::".join(m))
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
