#!/bin/sh
# md2man.sh PAGE.md > PAGE
#
# Turn one of kbtf's Markdown man page sources into roff (man(7)). The
# sources keep to a small subset of Markdown, so that they read well on a
# web page and convert without pandoc:
#
#   # kbtf-inspect 1           first line: page name and section (.TH)
#   ## NAME                    a section (.SH); NAME, SYNOPSIS, DESCRIPTION,
#                              OPTIONS, EXIT STATUS, EXAMPLES, SEE ALSO
#   ### Sub heading            a subsection (.SS)
#   plain lines                filled text; a blank line starts a paragraph
#   `-j`, `--json`             a line followed by lines starting ": " is a
#   : Print JSON.              definition list entry (.TP): term, then text
#                              (continuation lines may follow)
#   - item                     a bullet item (.IP)
#   ```                        fenced block: verbatim (.nf), no markup
#   `code`  **bold**  *italic* inline markup (code shows in bold)
#
# Nothing else is special: no tables, no links, no nested lists.
set -eu

src=${1:?usage: md2man.sh PAGE.md}

awk '
function esc(s) {
	gsub(/\\/, "\\e", s)
	return s
}
# inline markup of one line of text
function inline(s,    out, code) {
	s = esc(s)
	out = ""
	while (match(s, /`[^`]+`/)) {
		code = substr(s, RSTART + 1, RLENGTH - 2)
		gsub(/-/, "\\-", code)
		gsub(/\*/, "\001", code)
		out = out substr(s, 1, RSTART - 1) "\\fB" code "\\fR"
		s = substr(s, RSTART + RLENGTH)
	}
	s = out s
	while (match(s, /\*\*[^*]+\*\*/))
		s = substr(s, 1, RSTART - 1) "\\fB" substr(s, RSTART + 2, RLENGTH - 4) "\\fR" \
		    substr(s, RSTART + RLENGTH)
	while (match(s, /\*[^* ][^*]*\*/))
		s = substr(s, 1, RSTART - 1) "\\fI" substr(s, RSTART + 1, RLENGTH - 2) "\\fR" \
		    substr(s, RSTART + RLENGTH)
	gsub(/\001/, "*", s)
	return lead(s)
}
# a line starting with . or a quote would be a roff request
function lead(s) {
	if (s ~ /^[.\047]/)
		s = "\\&" s
	return s
}
function para() {
	if (need_pp)
		print ".PP"
	need_pp = 0
}
{ line[NR] = $0 }
END {
	n = NR
	if (line[1] !~ /^# [^ ]+ [1-9]/) {
		print "md2man: first line must be \"# NAME SECTION\"" > "/dev/stderr"
		exit 1
	}
	split(substr(line[1], 3), th, " ")
	printf ".TH \"%s\" \"%s\" \"\" \"kbtf\" \"kbtf manual\"\n", toupper(th[1]), th[2]
	need_pp = 0
	for (i = 2; i <= n; i++) {
		l = line[i]
		if (l ~ /^```/) {
			para()
			print ".RS 4"
			print ".nf"
			for (i++; i <= n && line[i] !~ /^```/; i++) {
				v = esc(line[i])
				gsub(/-/, "\\-", v)
				print lead(v)
			}
			print ".fi"
			print ".RE"
			need_pp = 1
		} else if (l ~ /^## /) {
			sect = substr(l, 4)
			print ".SH \"" sect "\""
			need_pp = 0
			after_head = 1
			continue
		} else if (l ~ /^### /) {
			print ".SS \"" substr(l, 5) "\""
			need_pp = 0
			after_head = 1
			continue
		} else if (l ~ /^[ \t]*$/) {
			need_pp = !after_head
			continue
		} else if (i < n && line[i + 1] ~ /^: /) {
			print ".TP"
			print inline(l)
			for (i++; i <= n && line[i] !~ /^[ \t]*$/; i++) {
				t = line[i]
				if (t !~ /^: / && i < n && line[i + 1] ~ /^: /) {
					i-- # the next entry starts without a blank line
					break
				}
				sub(/^: /, "", t)
				sub(/^[ \t]+/, "", t)
				print inline(t)
			}
			need_pp = 1
		} else if (l ~ /^- /) {
			print ".IP \\(bu 2"
			print inline(substr(l, 3))
			need_pp = 0
		} else {
			para()
			sub(/^[ \t]+/, "", l)
			l = inline(l)
			if (sect == "NAME")
				sub(/ - /, " \\- ", l) # whatis(1) looks for it
			print l
		}
		after_head = 0
	}
}
' "$src"
