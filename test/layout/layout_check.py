#!/usr/bin/env python3
# The tree checks behind test/layout/tree.sh (suite layout/tree, run by
# scripts/test): source files stay under 400 lines, functions under 80
# (unless the comment above says "Long: <why>"), each folder's code lives in
# the namespace named after the folder, includes in STYLE.md's order
# (includes.py), README.md's Layout
# section names what `git ls-files` has, and the markdown links in README.md
# and doc/*.md stay inside the repository and point at something that exists.
# Prints "ok N - ..." / "not ok N - ...: why" and ends with
# "<suite>: N passed, M failed"; exits 1 when a check failed.
#
#   layout_check.py [ROOT]      ROOT: the repository (default: two levels up)
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import includes  # noqa: E402  (beside this file)

MAX_LINES = 400
SOURCE_DIRS = ("lib", "milter", "server", "bench", "test")
SOURCE_SUFFIXES = (".cpp", ".hpp")
SPLIT_DIRS = ("lib", "milter", "server")  # the Layout section names each of their subdirectories
PROTOCOL_DOC = "doc/protocol.md"
MAX_FUNCTION_LINES = 80
# The namespace each program folder's code lives in: its folder's name. lib/util
# is plain "uun" (with uun::config and uun::log inside it).
NAMESPACES = {
    "lib/util": ("uun", "uun::config", "uun::log"),
    "lib/proto": ("uun::proto",),
    "milter/filter": ("uun::filter",),
    "milter/updater": ("uun::updater",),
    "server/settings": ("uun::settings",),
    "server/store": ("uun::store",),
    "server/daemon": ("uun::daemon",),
    "server/publish": ("uun::publish",),
    "server/keygen": ("uun::keygen",),
    "bench/fleet": ("uun::bench",),
}


def long_functions(root, files):
    """Functions over MAX_FUNCTION_LINES without a "Long:" reason in the comment above (universal-ctags)."""
    sources = [f for f in files if f.split("/")[0] in SPLIT_DIRS + ("bench",) and f.endswith(SOURCE_SUFFIXES)]
    out = subprocess.run(["ctags", "--languages=C++", "--kinds-C++=f", "--fields=+ne", "-x",
                          "--_xformat=%N|%F|%n|%{end}"] + sources,
                         cwd=root, check=True, capture_output=True, text=True).stdout
    problems = []
    for line in out.splitlines():
        name, path, start, end = line.rsplit("|", 3)
        if not start.isdigit() or not end.isdigit():
            continue
        length = int(end) - int(start) + 1
        if length <= MAX_FUNCTION_LINES:
            continue
        with open(os.path.join(root, path), encoding="utf-8", errors="replace") as f:
            above = f.read().splitlines()[max(0, int(start) - 8):int(start) - 1]
        if not any(re.match(r"\s*//\s*Long:", l) for l in above):
            problems.append(f"{path}:{start} {name} ({length} lines)")
    return problems


def wrong_namespaces(root, files):
    """Files of a program folder that open a namespace other than the folder's (a thin main.cpp opens none)."""
    problems = []
    for f in files:
        folder = os.path.dirname(f)
        if folder not in NAMESPACES or not f.endswith(SOURCE_SUFFIXES):
            continue
        with open(os.path.join(root, f), encoding="utf-8", errors="replace") as src:
            opened = re.findall(r"^namespace (uun[\w:]*) \{", src.read(), re.M)
        bad = [n for n in opened if n not in NAMESPACES[folder]]
        if bad:
            problems.append(f"{f}: {', '.join(bad)} (want {' or '.join(NAMESPACES[folder])})")
    return problems


class report:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def check(self, label, problems):
        """One check: passes when `problems` (a list of strings) is empty."""
        n = self.passed + self.failed + 1
        if problems:
            self.failed += 1
            print(f"not ok {n} - {label}: {'; '.join(problems)}")
        else:
            self.passed += 1
            print(f"ok {n} - {label}")


def tracked_files(root):
    """Files git knows or would add (tracked plus untracked, not ignored) that are on disk."""
    out = subprocess.run(["git", "-C", root, "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                         capture_output=True, check=True).stdout.decode()
    names = sorted({n for n in out.split("\0") if n})
    return [n for n in names if os.path.isfile(os.path.join(root, n))]


def directories_of(files):
    dirs = set()
    for f in files:
        parts = f.split("/")[:-1]
        for i in range(1, len(parts) + 1):
            dirs.add("/".join(parts[:i]))
    return dirs


def line_count(path):
    with open(path, "rb") as f:
        return f.read().count(b"\n")


# --- markdown --------------------------------------------------------------

FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
HEADING = re.compile(r"^ {0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
INLINE_CODE = re.compile(r"`[^`\n]*`")
INLINE_LINK = re.compile(r"!?\[(?:[^\]\\]|\\.)*\]\(\s*<?([^()\s<>]*)>?(?:\s+\"[^\"]*\")?\s*\)")
REFERENCE_LINK = re.compile(r"^ {0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)", re.M)
SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


def without_code(text):
    """The text with fenced blocks and inline code blanked, line numbers kept."""
    lines, fence = [], None
    for line in text.split("\n"):
        m = FENCE.match(line)
        if fence:
            if m and m.group(1)[0] == fence[0] and len(m.group(1)) >= len(fence):
                fence = None
            lines.append("")
        elif m:
            fence = m.group(1)
            lines.append("")
        else:
            lines.append(INLINE_CODE.sub(lambda c: "`" + " " * (len(c.group(0)) - 2) + "`", line))
    return "\n".join(lines)


def headings(text):
    """(line index, level, title) for each ATX heading outside code."""
    return [(i, len(m.group(1)), m.group(2)) for i, line in enumerate(without_code(text).split("\n"))
            if (m := HEADING.match(line))]


def anchors(text):
    """The anchors GitHub makes for a file's headings (lower case, punctuation dropped, spaces as '-')."""
    seen, out = {}, set()
    for _, _, title in headings(text):
        title = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", title).replace("`", "")
        slug = re.sub(r"[^\w\- ]", "", title.lower()).replace(" ", "-")
        n = seen.get(slug, 0)
        seen[slug] = n + 1
        out.add(slug if n == 0 else f"{slug}-{n}")
    return out


def links(text):
    """(line number, target) of every inline and reference link outside code."""
    plain = without_code(text)
    found = [(m.start(1), m.group(1)) for m in INLINE_LINK.finditer(plain)]
    found += [(m.start(1), m.group(1)) for m in REFERENCE_LINK.finditer(plain)]
    return sorted((plain.count("\n", 0, at) + 1, target) for at, target in found)


def resolve(root, doc, target):
    """('outside', why) / ('remote', None) / ('local', (path relative to root, anchor))."""
    if SCHEME.match(target):
        if target.lower().startswith("file:"):
            return "outside", "a file: URL"
        return "remote", None
    path, _, anchor = target.partition("#")
    if path.startswith("/"):
        return "outside", "an absolute path"
    if not path:
        return "local", (doc, anchor)
    joined = os.path.normpath(os.path.join(os.path.dirname(doc), path))
    if joined == ".." or joined.startswith("../"):
        return "outside", "escapes the repository"
    return "local", (joined, anchor)


def check_links(rep, root, doc, text):
    outside, missing = [], []
    for line, target in links(text):
        kind, what = resolve(root, doc, target)
        if kind == "outside":
            outside.append(f"line {line}: {target} ({what})")
        elif kind == "local":
            path, anchor = what
            full = os.path.join(root, path)
            if not os.path.exists(full):
                missing.append(f"line {line}: {target} (no {path})")
            elif anchor and path.endswith(".md") and os.path.isfile(full):
                with open(full, encoding="utf-8") as f:
                    if anchor not in anchors(f.read()):
                        missing.append(f"line {line}: {target} (no heading #{anchor} in {path})")
    rep.check(f"{doc}: no link points outside the repository", outside)
    rep.check(f"{doc}: every relative link target exists", missing)


# --- the Layout section ----------------------------------------------------

PATH_TOKEN = re.compile(r"(?<![\w./:-])(\.?[\w-][\w.-]*(?:/[\w.-]+)*/?)")


def layout_section(text):
    """(sections found as "line N", the first one's text)."""
    hs = headings(text)
    found = [(i, level) for i, level, title in hs if title.strip().lower() == "layout"]
    if not found:
        return [], ""
    start, level = found[0]
    end = next((i for i, l, _ in hs if i > start and l <= level), None)
    lines = text.split("\n")
    return [f"line {i + 1}" for i, _ in found], "\n".join(lines[start + 1:end])


def named_paths(section):
    """Every path-like word with a '/' in it, without trailing '/' or '.'."""
    out = []
    for m in PATH_TOKEN.finditer(section):
        token = m.group(1).rstrip(".")
        if "/" in token and "://" not in token:
            out.append(token.rstrip("/"))
    return out


def check_layout(rep, files, readme):
    where, section = layout_section(readme)
    rep.check("README.md has one Layout section",
              [] if len(where) == 1 else [f"got {len(where)}" + (f" ({', '.join(where)})" if where else "")])
    named = named_paths(section)
    known = directories_of(files) | set(files)
    tops = {d for d in directories_of(files) if "/" not in d}
    named_tops = {p.split("/")[0] for p in named}
    rep.check("README.md's Layout names every top-level directory",
              [f"missing {d}/" for d in sorted(tops - named_tops)])
    rep.check("README.md's Layout names no other top-level directory",
              [f"{d}/ is not in git ls-files" for d in sorted(named_tops - tops)])
    subdirs = {d for d in directories_of(files) if d.count("/") == 1 and d.split("/")[0] in SPLIT_DIRS}
    named_subdirs = {"/".join(p.split("/")[:2]) for p in named if p.count("/") >= 1}
    rep.check(f"README.md's Layout names every subdirectory of {', '.join(d + '/' for d in SPLIT_DIRS)}",
              [f"missing {d}/" for d in sorted(subdirs - named_subdirs)])
    rep.check("every path README.md's Layout names exists",
              [f"{p} does not exist" for p in sorted(set(named)) if p not in known])


def main():
    root = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", ".."))
    suite = os.environ.get("UUN_SUITE", "layout/tree")
    rep = report()
    try:
        files = tracked_files(root)
    except subprocess.CalledProcessError as e:
        rep.check("git ls-files lists the repository", [e.stderr.decode(errors="replace").strip() or str(e)])
        files = None
    except OSError as e:
        rep.check("git ls-files lists the repository", [str(e)])
        files = None
    if files is not None:
        for top in SOURCE_DIRS:
            big = [f"{f} ({n} lines)" for f in files
                   if f.startswith(top + "/") and f.endswith(SOURCE_SUFFIXES)
                   and (n := line_count(os.path.join(root, f))) > MAX_LINES]
            rep.check(f"no .cpp/.hpp in {top}/ over {MAX_LINES} lines", big)
        try:
            rep.check(f"no function in {', '.join(SPLIT_DIRS)}, bench over {MAX_FUNCTION_LINES} lines "
                      "without a 'Long:' reason", long_functions(root, files))
        except (OSError, subprocess.CalledProcessError) as e:
            rep.check("ctags reads the sources", [str(e)])
        rep.check("each program folder's code is in the namespace named after it", wrong_namespaces(root, files))
        sources = [f for f in files if f.split("/")[0] in SOURCE_DIRS and f.endswith(SOURCE_SUFFIXES)]
        rep.check("includes in STYLE.md's order: own header, project, third-party, standard, POSIX "
                  "(fix: test/layout/includes.py --fix FILE...)", includes.problems(root, sources))
        with open(os.path.join(root, "README.md"), encoding="utf-8") as f:
            readme = f.read()
        check_layout(rep, files, readme)
        protocol = [t for _, t in links(readme) if resolve(root, "README.md", t)[0] == "local"
                    and resolve(root, "README.md", t)[1][0] == PROTOCOL_DOC]
        rep.check(f"README.md links {PROTOCOL_DOC}", [] if protocol else [f"no link to {PROTOCOL_DOC}"])
        docs = ["README.md"] + sorted(f for f in files if re.fullmatch(r"doc/[^/]+\.md", f))
        for doc in docs:
            with open(os.path.join(root, doc), encoding="utf-8") as f:
                check_links(rep, root, doc, f.read())
    print(f"{suite}: {rep.passed} passed, {rep.failed} failed")
    return 0 if rep.failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
