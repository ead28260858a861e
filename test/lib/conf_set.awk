# conf_set.awk: copies a block-style YAML example (conf/*.yaml) and replaces
# the values of named keys, keeping every comment, so a test world runs the
# very file the README documents with only its paths and addresses changed.
#   awk -f conf_set.awk SRC 'dotted.key=VALUE' ...   (VALUE is YAML text)
# A commented-out key ("#ca_file: ...") is uncommented when set. A key whose
# block (list or map) follows on later lines has that block replaced.
# A key that SRC does not have is an error (exit 1): the example changed, and
# the caller must learn of it rather than run on a config nobody documents.
BEGIN {
    for (i = 2; i < ARGC; i++) {
        eq = index(ARGV[i], "=")
        if (eq < 2) {
            print "conf_set.awk: '" ARGV[i] "' is not key=value" >"/dev/stderr"
            bad = 1
            exit 1
        }
        want[substr(ARGV[i], 1, eq - 1)] = substr(ARGV[i], eq + 1)
        ARGV[i] = ""
    }
    depth = 0
    skip_indent = -1
}

function indent_of(s) { match(s, /^ */); return RLENGTH }

{
    line = $0
    ind = indent_of(line)
    if (skip_indent >= 0) {
        # Still inside the block of a replaced key: deeper lines, or list
        # items at the key's own indent, belong to it.
        if (line !~ /^ *$/ && (ind > skip_indent || substr(line, ind + 1, 2) == "- "))
            next
        skip_indent = -1
    }
    rest = substr(line, ind + 1)
    if (!match(rest, /^#?[A-Za-z_][A-Za-z0-9_-]*:( |$)/)) {
        print line
        next
    }
    commented = substr(rest, 1, 1) == "#"
    key = substr(rest, commented ? 2 : 1, RLENGTH - (commented ? 1 : 0))
    sub(/: ?$/, "", key)
    value_text = substr(rest, RLENGTH + 1)
    while (depth > 0 && stack_indent[depth] >= ind)
        depth--
    path = key
    for (d = depth; d >= 1; d--)
        path = stack_key[d] "." path
    if (!commented) {
        depth++
        stack_indent[depth] = ind
        stack_key[depth] = key
    }
    if (!(path in want)) {
        print line
        next
    }
    if (path in done) {
        print "conf_set.awk: " FILENAME ": key " path " appears twice" >"/dev/stderr"
        bad = 1
        exit 1
    }
    done[path] = 1
    comment = ""
    if (match(value_text, /[ \t]+#.*$/))
        comment = substr(value_text, RSTART)
    sub(/[ \t]+#.*$/, "", value_text)
    if (value_text ~ /^[ \t]*$/ && !commented)
        skip_indent = ind
    printf "%s%s: %s%s\n", substr(line, 1, ind), key, want[path], comment
}

END {
    if (bad)
        exit 1
    for (k in want) {
        if (!(k in done)) {
            print "conf_set.awk: " FILENAME " has no key " k " (not even commented out)" >"/dev/stderr"
            missing = 1
        }
    }
    exit missing ? 1 : 0
}
