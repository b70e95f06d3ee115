// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The report writers on a hand-made matrix whose strings carry everything
 * that breaks formats (<, &, quotes, pipes, newlines, bytes that are not
 * UTF-8): the JSON is parsed back by a small parser here and checked field
 * by field, the JUnit XML is checked for well-formedness (by xmllint when
 * installed, and by a small checker here), Markdown tables keep their
 * column count, HTML escapes what it shows.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "cause.h"
#include "kbtf/err.h"
#include "kbtf/report.h"
#include "report_writers.h"
#include "result_build.h"

#define NASTY "a<b>&\"q\" 'x' | y\nz\xff"

/* ------------------------------------------------------------ the matrix */

static char *sdup(const char *s)
{
	char *d = strdup(s);

	assert_non_null(d);
	return d;
}

static void fill(struct kbtf_result *r, const char *mod, const char *rel, enum kbtf_verdict v)
{
	memset(r, 0, sizeof(*r));
	r->module = sdup(mod);
	r->module_name = NULL;
	r->source = sdup("/profiles/x");
	r->release = rel ? sdup(rel) : NULL;
	r->verdict = v;
	r->load = v == KBTF_VERDICT_OK ? KBTF_LOAD_OK : KBTF_LOAD_NO_BTF;
	r->summary = sdup(v == KBTF_VERDICT_OK ? "loads" : NASTY);
	r->consequence = sdup("what happens");
	r->kernel_log = sdup(v == KBTF_VERDICT_OK ? "" : "line one\nline <two>");
	r->btf_form = sdup("distilled");
	r->allow_btf_mismatch = 1;
	r->reloc_err = v == KBTF_VERDICT_OK ? 0 : -22;
	r->reloc_log = sdup("");
	r->ms = 1.5;
}

static void add_problem(struct kbtf_result *r, enum kbtf_problem_kind k, const char *name,
			const char *reason)
{
	struct kbtf_problem *p;

	r->problems = realloc(r->problems, sizeof(*p) * (r->nr_problems + 1));
	assert_non_null(r->problems);
	p = &r->problems[r->nr_problems++];
	memset(p, 0, sizeof(*p));
	p->kind = k;
	p->name = sdup(name);
	p->reason = sdup(reason);
	p->expected = sdup("struct spinlock, 4 bytes");
	p->actual = sdup(NASTY);
	p->detail = sdup("why");
	p->kernel_first = r->nr_problems == 1;
}

static void add_warning(struct kbtf_result *r)
{
	struct kbtf_warning *w;

	r->warnings = realloc(r->warnings, sizeof(*w) * (r->nr_warnings + 1));
	assert_non_null(r->warnings);
	w = &r->warnings[r->nr_warnings++];
	memset(w, 0, sizeof(*w));
	w->severity = KBTF_SEV_WARNING;
	w->kind = sdup("layout-drift");
	w->name = sdup("struct foo");
	w->message = sdup(NASTY);
	w->details = calloc(1, sizeof(char *));
	assert_non_null(w->details);
	w->details[0] = sdup("lock: offset 0 -> 8");
	w->nr_details = 1;
}

/* 2 modules x 2 kernels: ok, ok+warning, btf-rejected, error. */
static void make_matrix(struct kbtf_matrix *mx)
{
	memset(mx, 0, sizeof(*mx));
	mx->nr_modules = 2;
	mx->nr_kernels = 2;
	mx->results = calloc(4, sizeof(*mx->results));
	assert_non_null(mx->results);
	fill(&mx->results[0], "/m/demo.ko", "6.12.113+deb12-amd64", KBTF_VERDICT_OK);
	fill(&mx->results[1], "/m/demo.ko", "6.12.113+deb12-rt-amd64", KBTF_VERDICT_BTF_REJECTED);
	add_problem(&mx->results[1], KBTF_PROBLEM_BTF, "spinlock", "size-mismatch");
	add_problem(&mx->results[1], KBTF_PROBLEM_SYMBOL, NASTY, "unresolved");
	fill(&mx->results[2], "/m/other.ko.xz", "6.12.113+deb12-amd64", KBTF_VERDICT_OK);
	add_warning(&mx->results[2]);
	assert_int_equal(kbtf_result_error(&mx->results[3], "/m/other.ko.xz", "/nope", "gone"), 0);
	mx->total_ms = 12;
}

static char *render_with(const struct kbtf_matrix *mx, enum kbtf_report_format fmt,
			 const struct kbtf_report_opts *o)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	assert_int_equal(kbtf_report_write(f, fmt, mx, o), 0);
	fclose(f);
	return buf;
}

static char *render(const struct kbtf_matrix *mx, enum kbtf_report_format fmt)
{
	struct kbtf_report_opts o = {0};
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	assert_int_equal(kbtf_report_write(f, fmt, mx, &o), 0);
	fclose(f);
	return buf;
}

/* ------------------------------------------------------------ a tiny JSON parser */

enum jt { J_NULL, J_BOOL, J_NUM, J_STR, J_ARR, J_OBJ };

struct jv {
	enum jt t;
	char *s; /* J_STR (decoded), J_NUM (text) */
	bool b;
	struct jv **items; /* J_ARR, J_OBJ values */
	char **keys;	   /* J_OBJ */
	size_t n;
};

static const char *jp;

static void jws(void)
{
	while (*jp == ' ' || *jp == '\n' || *jp == '\t' || *jp == '\r')
		jp++;
}

static struct jv *jparse(void);

static void jput(char **out, size_t *len, uint32_t cp)
{
	char *o = *out + *len;

	if (cp < 0x80) {
		o[0] = (char)cp;
		*len += 1;
	} else if (cp < 0x800) {
		o[0] = (char)(0xc0 | cp >> 6);
		o[1] = (char)(0x80 | (cp & 0x3f));
		*len += 2;
	} else {
		o[0] = (char)(0xe0 | cp >> 12);
		o[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		o[2] = (char)(0x80 | (cp & 0x3f));
		*len += 3;
	}
}

static char *jstring(void)
{
	char *out = malloc(strlen(jp) + 1);
	size_t len = 0;

	assert_non_null(out);
	assert_int_equal(*jp++, '"');
	while (*jp != '"') {
		unsigned int cp;

		if ((unsigned char)*jp < 0x20)
			fail_msg("raw control character in a JSON string");
		if (*jp != '\\') {
			out[len++] = *jp++;
			continue;
		}
		jp++;
		switch (*jp++) {
		case 'n':
			out[len++] = '\n';
			break;
		case 't':
			out[len++] = '\t';
			break;
		case 'r':
			out[len++] = '\r';
			break;
		case 'b':
			out[len++] = '\b';
			break;
		case 'f':
			out[len++] = '\f';
			break;
		case '"':
			out[len++] = '"';
			break;
		case '\\':
			out[len++] = '\\';
			break;
		case '/':
			out[len++] = '/';
			break;
		case 'u':
			assert_int_equal(sscanf(jp, "%4x", &cp), 1);
			jp += 4;
			jput(&out, &len, cp);
			break;
		default:
			fail_msg("bad escape in JSON");
		}
	}
	jp++;
	out[len] = '\0';
	return out;
}

static struct jv *jnew(enum jt t)
{
	struct jv *v = calloc(1, sizeof(*v));

	assert_non_null(v);
	v->t = t;
	return v;
}

static void jappend(struct jv *v, char *key, struct jv *item)
{
	v->items = realloc(v->items, sizeof(*v->items) * (v->n + 1));
	v->keys = realloc(v->keys, sizeof(*v->keys) * (v->n + 1));
	assert_non_null(v->items);
	assert_non_null(v->keys);
	v->items[v->n] = item;
	v->keys[v->n++] = key;
}

static struct jv *jcontainer(char open, char close)
{
	struct jv *v = jnew(open == '{' ? J_OBJ : J_ARR);

	jp++;
	jws();
	if (*jp == close) {
		jp++;
		return v;
	}
	for (;;) {
		char *key = NULL;

		jws();
		if (open == '{') {
			key = jstring();
			jws();
			assert_int_equal(*jp++, ':');
		}
		jappend(v, key, jparse());
		jws();
		if (*jp == ',') {
			jp++;
			continue;
		}
		assert_int_equal(*jp++, close);
		return v;
	}
}

static struct jv *jparse(void)
{
	struct jv *v;
	const char *start;

	jws();
	switch (*jp) {
	case '{':
		return jcontainer('{', '}');
	case '[':
		return jcontainer('[', ']');
	case '"':
		v = jnew(J_STR);
		v->s = jstring();
		return v;
	case 't':
	case 'f':
		v = jnew(J_BOOL);
		v->b = *jp == 't';
		assert_true(!strncmp(jp, v->b ? "true" : "false", v->b ? 4 : 5));
		jp += v->b ? 4 : 5;
		return v;
	case 'n':
		assert_true(!strncmp(jp, "null", 4));
		jp += 4;
		return jnew(J_NULL);
	default:
		start = jp;
		if (*jp == '-')
			jp++;
		while (isdigit((unsigned char)*jp) || *jp == '.' || *jp == 'e' || *jp == 'E' ||
		       *jp == '+' || *jp == '-')
			jp++;
		if (jp == start)
			fail_msg("unexpected JSON at: %.20s", start);
		v = jnew(J_NUM);
		v->s = strndup(start, (size_t)(jp - start));
		return v;
	}
}

static void jfree(struct jv *v)
{
	size_t i;

	for (i = 0; i < v->n; i++) {
		jfree(v->items[i]);
		free(v->keys[i]);
	}
	free(v->items);
	free(v->keys);
	free(v->s);
	free(v);
}

static struct jv *jget(const struct jv *v, const char *key)
{
	size_t i;

	assert_int_equal(v->t, J_OBJ);
	for (i = 0; i < v->n; i++)
		if (!strcmp(v->keys[i], key))
			return v->items[i];
	fail_msg("no key %s", key);
	return NULL;
}

static const char *jstr(const struct jv *v, const char *key)
{
	const struct jv *s = jget(v, key);

	assert_int_equal(s->t, J_STR);
	return s->s;
}

/* ------------------------------------------------------------ tests */

static void matrix_free(struct kbtf_matrix *mx)
{
	kbtf_matrix_fini(mx);
}

static void test_json_parses_back(void **state)
{
	struct kbtf_matrix mx;
	struct jv *doc, *res, *r1, *p;
	char *out;

	make_matrix(&mx);
	out = render(&mx, KBTF_REPORT_JSON);
	jp = out;
	doc = jparse();
	jws();
	assert_int_equal(*jp, '\0');
	assert_string_equal(jstr(doc, "worst"), "error");
	res = jget(doc, "results");
	assert_int_equal(res->t, J_ARR);
	assert_int_equal(res->n, 4);
	r1 = res->items[1];
	assert_string_equal(jstr(r1, "module"), "/m/demo.ko");
	assert_string_equal(jstr(r1, "source"), "/profiles/x");
	assert_string_equal(jstr(r1, "release"), "6.12.113+deb12-rt-amd64");
	assert_string_equal(jstr(r1, "verdict"), "btf-rejected");
	assert_string_equal(jstr(r1, "load"), "loads-without-btf");
	assert_int_equal(jget(r1, "problems")->n, 2);
	p = jget(r1, "problems")->items[0];
	assert_string_equal(jstr(p, "kind"), "btf");
	assert_string_equal(jstr(p, "name"), "spinlock");
	assert_string_equal(jstr(p, "reason"), "size-mismatch");
	assert_string_equal(jstr(p, "expected"), "struct spinlock, 4 bytes");
	/* the byte that is not UTF-8 became U+FFFD; everything else survived */
	assert_string_equal(jstr(p, "actual"), "a<b>&\"q\" 'x' | y\nz\xef\xbf\xbd");
	assert_true(jget(p, "kernel_reports_first")->b);
	p = jget(r1, "problems")->items[1];
	assert_string_equal(jstr(p, "kind"), "symbol");
	assert_false(jget(jget(r1, "relocation"), "ok")->b);
	assert_string_equal(jstr(res->items[3], "verdict"), "error");
	assert_string_equal(jstr(res->items[3], "summary"), "gone");
	assert_int_equal(jget(res->items[2], "warnings")->n, 1);
	assert_string_equal(jstr(jget(res->items[2], "warnings")->items[0], "severity"), "warning");
	jfree(doc);
	free(out);
	matrix_free(&mx);
}

/* Well-formed enough: tags nest and close, attributes quoted, '<' and '&'
 * only start tags and entities, no bytes that are not UTF-8. */
static void check_xml(const char *s)
{
	const char *stack[64];
	int depth = 0;

	while (*s) {
		if (*s == '&') {
			const char *semi = strchr(s, ';');

			assert_non_null(semi);
			assert_true(semi - s <= 6);
			s = semi + 1;
			continue;
		}
		if ((unsigned char)*s == 0xff)
			fail_msg("raw 0xff byte in XML");
		if (*s != '<') {
			s++;
			continue;
		}
		if (s[1] == '?') {
			s = strstr(s, "?>") + 2;
			continue;
		}
		if (s[1] == '/') {
			size_t n = strcspn(s + 2, ">");

			assert_true(depth > 0);
			depth--;
			if (strncmp(stack[depth], s + 2, n) || !strchr(" />\t\n", stack[depth][n]))
				fail_msg("</%.*s> closes <%.20s", (int)n, s + 2, stack[depth]);
			s += n + 3;
			continue;
		}
		{
			const char *end = s + 1;
			bool quote = false;

			while (*end && (quote || *end != '>')) {
				if (*end == '"')
					quote = !quote;
				if (!quote && *end == '<')
					fail_msg("'<' inside a tag");
				end++;
			}
			assert_int_equal(*end, '>');
			if (end[-1] != '/') {
				assert_true(depth < 64);
				stack[depth++] = s + 1;
			}
			s = end + 1;
		}
	}
	assert_int_equal(depth, 0);
}

static void test_junit_well_formed(void **state)
{
	struct kbtf_matrix mx;
	char *out, path[] = "/tmp/kbtf-junit-XXXXXX", cmd[128];
	int fd;

	make_matrix(&mx);
	out = render(&mx, KBTF_REPORT_JUNIT);
	check_xml(out);
	assert_non_null(strstr(out, "<testsuites name=\"kbtf validate\" tests=\"4\" failures=\"1\" "
				    "errors=\"1\""));
	assert_non_null(
	    strstr(out, "<testcase classname=\"demo\" name=\"6.12.113+deb12-rt-amd64\""));
	assert_non_null(strstr(out, "<failure type=\"btf-rejected\""));
	assert_non_null(strstr(out, "<error type=\"error\" message=\"gone\"/>"));
	assert_non_null(strstr(out, "a&lt;b&gt;&amp;&quot;q&quot; &#39;x&#39;"));
	if (!access("/usr/bin/xmllint", X_OK)) {
		fd = mkstemp(path);
		assert_true(fd >= 0);
		assert_int_equal(write(fd, out, strlen(out)), (ssize_t)strlen(out));
		close(fd);
		snprintf(cmd, sizeof(cmd), "xmllint --noout %s 2>/dev/null", path);
		assert_int_equal(system(cmd), 0);
		unlink(path);
	}
	free(out);
	matrix_free(&mx);
}

static int count_cells(const char *line, size_t len)
{
	int n = 0;
	size_t i;

	for (i = 0; i < len; i++)
		if (line[i] == '|' && (i == 0 || line[i - 1] != '\\'))
			n++;
	return n;
}

static void test_md_tables_hold(void **state)
{
	struct kbtf_matrix mx;
	char *out, *line;
	int want = -1;

	make_matrix(&mx);
	out = render(&mx, KBTF_REPORT_MD);
	assert_non_null(strstr(out, "| kernel \\\\ module | demo | other |"));
	assert_non_null(strstr(out, "[btf-rejected](#pair-0-1)"));
	assert_non_null(strstr(out, "<a id=\"pair-0-1\"></a>"));
	/* every row of every table has its header's number of cells */
	for (line = out; line && *line;) {
		char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) : strlen(line);

		if (len && line[0] == '|') {
			int cells = count_cells(line, len);

			if (want < 0)
				want = cells;
			else if (cells != want)
				fail_msg("table row has %d cells, header %d: %.*s", cells, want,
					 (int)len, line);
		} else {
			want = -1;
		}
		line = nl ? nl + 1 : NULL;
	}
	free(out);
	matrix_free(&mx);
}

static void test_html_escapes(void **state)
{
	struct kbtf_matrix mx;
	char *out;

	make_matrix(&mx);
	out = render(&mx, KBTF_REPORT_HTML);
	assert_non_null(strstr(out, "<!DOCTYPE html>"));
	assert_null(strstr(out, "a<b>"));
	assert_non_null(strstr(out, "a&lt;b&gt;&amp;&quot;q&quot;"));
	assert_non_null(strstr(out, "id=\"pair-1-1\""));
	assert_non_null(strstr(out, "href=\"#pair-0-1\""));
	/* nothing fetched from elsewhere */
	assert_null(strstr(out, "http://"));
	assert_null(strstr(out, "https://"));
	assert_null(strstr(out, "\xff"));
	free(out);
	matrix_free(&mx);
}

static void test_text_table(void **state)
{
	struct kbtf_matrix mx;
	char *out;

	make_matrix(&mx);
	out = render(&mx, KBTF_REPORT_TEXT);
	assert_non_null(strstr(out, "MODULE  KERNEL"));
	assert_non_null(strstr(out, "demo    6.12.113+deb12-rt-amd64  btf-rejected"));
	assert_non_null(strstr(out, "      kernel: a<b>"));
	assert_non_null(strstr(out, "    | line <two>"));
	assert_null(strstr(out, "\033[")); /* no colour unless asked */
	assert_non_null(
	    strstr(out, "4 pairs: 2 ok, 0 ok-unchecked, 0 no-distilled-support, 1 btf-rejected"));
	free(out);
	matrix_free(&mx);
}

static void test_groups(void **state)
{
	struct kbtf_report_group *g;
	struct kbtf_matrix mx;
	size_t n;

	make_matrix(&mx);
	add_problem(&mx.results[0], KBTF_PROBLEM_BTF, "spinlock", "size-mismatch");
	assert_int_equal(kbtf_report_groups(&mx, &g, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(g[0].name, "spinlock"); /* two pairs: first */
	assert_int_equal(g[0].nr_pairs, 2);
	assert_int_equal(g[0].pairs[0], 0);
	assert_int_equal(g[0].pairs[1], 1);
	kbtf_report_groups_free(g, n);
	matrix_free(&mx);
}

/* ------------------------------------------------------------ causes */

static void add_crc(struct kbtf_result *r, const char *name)
{
	add_problem(r, KBTF_PROBLEM_SYMBOL, name, "crc-mismatch");
	r->problems[r->nr_problems - 1].has_crc = true;
	r->problems[r->nr_problems - 1].module_crc = 0x7fe2a4c3;
	r->problems[r->nr_problems - 1].kernel_crc = 0x9060323f;
}

/*
 * One module on 6.1.0-56 (module_layout differs, two symbols missing, a
 * CRC), 6.1.0-56-cloud (the same), 6.12.117 (only _printk's CRC) and the
 * rt flavour of its build kernel (a 32-byte spinlock), plus a pair whose
 * symbols could not be checked.
 */
static void cause_matrix(struct kbtf_matrix *mx)
{
	static const char *const rel[] = {"6.1.0-56-amd64", "6.1.0-56-cloud-amd64",
					  "6.12.117+deb12-amd64", "6.12.113+deb12-rt-amd64",
					  "6.12.113+deb12-cloud-amd64"};
	size_t k;

	memset(mx, 0, sizeof(*mx));
	mx->nr_modules = 1;
	mx->nr_kernels = 5;
	mx->results = calloc(5, sizeof(*mx->results));
	assert_non_null(mx->results);
	for (k = 0; k < 5; k++) {
		fill(&mx->results[k], "/m/demo.ko", rel[k],
		     k < 3    ? KBTF_VERDICT_SYMBOLS
		     : k == 3 ? KBTF_VERDICT_BTF_REJECTED
			      : KBTF_VERDICT_OK);
		mx->results[k].module_release = sdup("6.12.113+deb12-amd64");
	}
	for (k = 0; k < 2; k++) {
		add_crc(&mx->results[k], "module_layout");
		add_problem(&mx->results[k], KBTF_PROBLEM_SYMBOL, "__kmalloc_cache_noprof",
			    "unresolved");
		add_problem(&mx->results[k], KBTF_PROBLEM_SYMBOL, "const_pcpu_hot", "unresolved");
		add_crc(&mx->results[k], "_printk");
	}
	add_crc(&mx->results[2], "_printk");
	add_problem(&mx->results[3], KBTF_PROBLEM_BTF, "spinlock", "size-mismatch");
	mx->results[4].unchecked = KBTF_UNCHECKED_SYMBOLS;
}

static const struct kbtf_cause_row *row_of(const struct kbtf_cause_row *rows, size_t n,
					   enum kbtf_cause c)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (rows[i].cause == c)
			return &rows[i];
	return NULL;
}

static void test_causes(void **state)
{
	struct kbtf_cause_row *rows;
	const struct kbtf_cause_row *row;
	struct kbtf_matrix mx;
	size_t n, i, ks[8];

	cause_matrix(&mx);
	assert_int_equal(kbtf_cause_rows(&mx, &rows, &n), 0);
	/* module_layout on both 6.1 kernels: one cause, the fix says DKMS */
	row = row_of(rows, n, KBTF_CAUSE_ABI_BUILD);
	assert_non_null(row);
	assert_int_equal(row->nr_pairs, 2);
	assert_int_equal(kbtf_cause_row_kernels(&mx, row, ks), 2);
	assert_int_equal(ks[0], 0);
	assert_int_equal(ks[1], 1);
	assert_non_null(strstr(row->fix, "DKMS"));
	/* the two missing symbols hit the same pairs: one row naming both */
	row = row_of(rows, n, KBTF_CAUSE_SYMBOL_MISSING);
	assert_non_null(row);
	assert_int_equal(row->nr_subjects, 2);
	assert_string_equal(row->subjects[0], "__kmalloc_cache_noprof");
	assert_string_equal(row->subjects[1], "const_pcpu_hot");
	assert_non_null(strstr(row->fix, "__kmalloc_cache_noprof, const_pcpu_hot"));
	/* _printk's CRC is a cause only where module_layout matched */
	row = row_of(rows, n, KBTF_CAUSE_SYMBOL_CRC);
	assert_non_null(row);
	assert_int_equal(row->nr_pairs, 1);
	assert_int_equal(row->pairs[0], 2);
	assert_string_equal(row->subjects[0], "_printk");
	/* the rt flavour of the build kernel: a config difference */
	row = row_of(rows, n, KBTF_CAUSE_CONFIG_RT);
	assert_non_null(row);
	assert_string_equal(row->subjects[0], "spinlock");
	assert_non_null(strstr(row->fix, "rt variant"));
	assert_null(row_of(rows, n, KBTF_CAUSE_TYPE_CHANGED));
	row = row_of(rows, n, KBTF_CAUSE_UNCHECKED_SYMS);
	assert_non_null(row);
	assert_non_null(strstr(row->fix, "linux-headers"));
	for (i = 0; i < n; i++) {
		assert_non_null(rows[i].fix);
		assert_true(strlen(rows[i].fix) > 20);
	}
	kbtf_cause_rows_free(rows, n);
	matrix_free(&mx);
}

/* Every format names the causes and their fixes, and the unchecked pair. */
static void test_causes_every_format(void **state)
{
	static const enum kbtf_report_format fmts[] = {KBTF_REPORT_TEXT, KBTF_REPORT_JSON,
						       KBTF_REPORT_JUNIT, KBTF_REPORT_MD,
						       KBTF_REPORT_HTML};
	struct kbtf_matrix mx;
	size_t i;
	char *out;

	cause_matrix(&mx);
	for (i = 0; i < sizeof(fmts) / sizeof(fmts[0]); i++) {
		out = render(&mx, fmts[i]);
		assert_non_null(strstr(out, "abi-tied-to-build"));
		assert_non_null(strstr(out, "ship it through DKMS"));
		assert_non_null(strstr(out, "config-preempt-rt"));
		assert_non_null(strstr(out, "ok-unchecked"));
		assert_non_null(strstr(out, "Debian"));
		free(out);
	}
	out = render(&mx, KBTF_REPORT_JUNIT);
	check_xml(out);
	assert_non_null(strstr(out, "<skipped message=\"ok-unchecked: symbols not checked"));
	free(out);
	out = render(&mx, KBTF_REPORT_JSON);
	assert_non_null(strstr(out, "\"module_crc\": 2145559747")); /* 0x7fe2a4c3 */
	assert_non_null(strstr(out, "\"ok-unchecked\": 1"));
	assert_non_null(strstr(out, "\"worst\": \"symbols\""));
	free(out);
	matrix_free(&mx);
}

static void test_unchecked_label(void **state)
{
	struct kbtf_result r;

	fill(&r, "/m/demo.ko", "6.12.113+deb12-amd64", KBTF_VERDICT_OK);
	assert_string_equal(kbtf_result_label(&r), "ok");
	r.unchecked = KBTF_UNCHECKED_LAYOUT; /* no kernel checks drift */
	assert_string_equal(kbtf_result_label(&r), "ok");
	r.unchecked |= KBTF_UNCHECKED_VERMAGIC;
	assert_string_equal(kbtf_result_label(&r), "ok-unchecked");
	assert_non_null(strstr(kbtf_unchecked_supply(&r), "config"));
	r.unchecked |= KBTF_UNCHECKED_SYMBOLS;
	assert_non_null(strstr(kbtf_unchecked_supply(&r), "Module.symvers"));
	/* turned off on purpose (--no-symbols): the verdict the run asked for */
	r.skipped = r.unchecked & KBTF_UNCHECKED_LOAD;
	assert_string_equal(kbtf_result_label(&r), "ok");
	assert_string_equal(kbtf_unchecked_supply(&r), "");
	kbtf_result_fini(&r);
}

static void test_fail_on(void **state)
{
	struct kbtf_matrix mx;
	unsigned int bits;

	cause_matrix(&mx);
	assert_true(kbtf_report_fails(&mx, kbtf_report_fail_default()));
	assert_int_equal(kbtf_report_fail_parse("btf", &bits), 0);
	assert_true(kbtf_report_fails(&mx, bits)); /* the rt pair */
	/* its BTF problem behind a symbols refusal still fails "btf"... */
	mx.results[3].verdict = KBTF_VERDICT_SYMBOLS;
	assert_true(kbtf_report_fails(&mx, bits));
	/* ... but not the verdict name */
	assert_int_equal(kbtf_report_fail_parse("btf-rejected,no-distilled-support", &bits), 0);
	assert_false(kbtf_report_fails(&mx, bits));
	assert_int_equal(kbtf_report_fail_parse("btf", &bits), 0);
	mx.results[3].problems[0].kind = KBTF_PROBLEM_SYMBOL;
	assert_false(kbtf_report_fails(&mx, bits));
	assert_int_equal(kbtf_report_fail_parse("unchecked", &bits), 0);
	assert_true(kbtf_report_fails(&mx, bits));
	mx.results[4].unchecked = 0;
	assert_false(kbtf_report_fails(&mx, bits));
	assert_int_equal(kbtf_report_fail_parse("symbols,elf-rejected", &bits), 0);
	assert_true(kbtf_report_fails(&mx, bits));
	assert_int_equal(kbtf_report_fail_parse("none", &bits), 0);
	assert_false(kbtf_report_fails(&mx, bits));
	assert_int_equal(kbtf_report_fail_parse("btf,bogus", &bits), -EINVAL);
	assert_int_equal(kbtf_report_fail_parse("btf,", &bits), 0);
	assert_int_equal(kbtf_report_fail_parse(",", &bits), -EINVAL);
	matrix_free(&mx);
}

static char *write_tmp(const char *text)
{
	char *path = strdup("/tmp/kbtf-test-baseline.XXXXXX");
	int fd;

	assert_non_null(path);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return path;
}

/*
 * A baseline from before architecture pairing judged a cross-architecture
 * pair (the loader refused it: elf-rejected); this run does not pair it.
 * It is "unpaired", not "gone". A kernel of unknown architecture (raw BTF)
 * is paired, and every report says its architecture was not checked.
 */
static void test_baseline_arch(void **state)
{
	struct kbtf_report_opts o = {0};
	struct kbtf_report_change *c;
	struct kbtf_baseline *b;
	struct kbtf_matrix mx;
	char *json, *path, *out;
	size_t n;

	cause_matrix(&mx);
	mx.results[1].verdict = KBTF_VERDICT_ELF_REJECTED;
	json = render(&mx, KBTF_REPORT_JSON);
	path = write_tmp(json);
	free(json);
	assert_int_equal(kbtf_baseline_load(path, &b), 0);
	/* now: kernel 1 is arm64, so not paired; kernel 4 is raw BTF */
	mx.results[1].not_paired = true;
	mx.results[1].module_arch = sdup("x86_64");
	mx.results[1].kernel_arch = sdup("aarch64");
	mx.results[4].unchecked = KBTF_UNCHECKED_ARCH;
	assert_int_equal(kbtf_report_changes(&mx, b, &c, &n), 0);
	assert_int_equal(n, 5);
	for (size_t i = 0; i < n; i++) {
		assert_int_not_equal(c[i].change, KBTF_CHANGE_GONE);
		if (c[i].at == 1) {
			assert_int_equal(c[i].change, KBTF_CHANGE_UNPAIRED);
			assert_string_equal(c[i].was, "elf-rejected");
		}
	}
	free(c);
	o.baseline = b;
	out = render_with(&mx, KBTF_REPORT_TEXT, &o);
	assert_non_null(strstr(out, "unpaired  demo on 6.1.0-56-cloud-amd64: elf-rejected -> no "
				    "longer paired (other architecture)"));
	assert_null(strstr(out, "gone"));
	assert_non_null(strstr(out, "unchecked: arch; to check: supply a kernel source that "
				    "names its architecture"));
	free(out);
	out = render_with(&mx, KBTF_REPORT_MD, &o);
	assert_non_null(strstr(out, "| unpaired | demo | 6.1.0-56-cloud-amd64 | elf-rejected | no "
				    "longer paired (other architecture) |"));
	assert_non_null(strstr(out, "unchecked: **arch**"));
	free(out);
	out = render_with(&mx, KBTF_REPORT_HTML, &o);
	assert_non_null(strstr(out, "<tr class=\"unpaired\"><td>unpaired</td><td>demo</td><td>"
				    "6.1.0-56-cloud-amd64</td><td>elf-rejected</td><td>no longer "
				    "paired (other architecture)</td></tr>"));
	assert_non_null(strstr(out, "<b>unchecked</b>: arch"));
	free(out);
	out = render_with(&mx, KBTF_REPORT_JSON, &o);
	assert_non_null(strstr(out, "\"change\": \"unpaired\""));
	assert_non_null(strstr(out, "\"unchecked\": [\n        \"arch\"\n      ]") ||
			strstr(out, "\"unchecked\":[\"arch\"]"));
	assert_non_null(strstr(out, "\"code\": \"unchecked-arch\""));
	free(out);
	kbtf_baseline_free(b);
	unlink(path);
	free(path);
	kbtf_matrix_fini(&mx);
}

static void test_baseline(void **state)
{
	struct kbtf_report_opts o = {0};
	struct kbtf_report_change *c;
	struct kbtf_baseline *b;
	struct kbtf_matrix mx;
	char *json, *path, *out;
	size_t n;

	cause_matrix(&mx);
	/* the last release: the rt pair was ok, 6.12.117 the same, and a
	 * kernel since dropped */
	mx.results[3].verdict = KBTF_VERDICT_OK;
	json = render(&mx, KBTF_REPORT_JSON);
	path = write_tmp(json);
	free(json);
	assert_int_equal(kbtf_baseline_load(path, &b), 0);
	mx.results[3].verdict = KBTF_VERDICT_BTF_REJECTED;
	mx.results[2].verdict = KBTF_VERDICT_OK; /* fixed */
	assert_int_equal(kbtf_report_changes(&mx, b, &c, &n), 0);
	assert_int_equal(n, 5);
	assert_int_equal(c[0].change, KBTF_CHANGE_WORSE); /* new failures first */
	assert_int_equal(c[0].at, 3);
	assert_string_equal(c[0].was, "ok");
	assert_int_equal(c[1].change, KBTF_CHANGE_BETTER);
	assert_int_equal(c[1].at, 2);
	assert_int_equal(c[2].change, KBTF_CHANGE_SAME);
	free(c);
	o.baseline = b;
	out = render_with(&mx, KBTF_REPORT_TEXT, &o);
	assert_non_null(strstr(out, "worse   demo on 6.12.113+deb12-rt-amd64: ok -> btf-rejected"));
	assert_non_null(strstr(out, "3 pairs unchanged"));
	free(out);
	out = render_with(&mx, KBTF_REPORT_JSON, &o);
	assert_non_null(strstr(out, "\"change\": \"worse\""));
	free(out);
	kbtf_baseline_free(b);
	unlink(path);
	free(path);

	/* what is not a report is refused, naming the file */
	path = write_tmp("{\"results\": [1, 2,]}");
	assert_int_equal(kbtf_baseline_load(path, &b), -EINVAL);
	assert_non_null(strstr(kbtf_errstr(), path));
	unlink(path);
	free(path);
	path = write_tmp("{\"format_version\": 2}");
	assert_int_equal(kbtf_baseline_load(path, &b), -EINVAL);
	assert_non_null(strstr(kbtf_errstr(), "not a kbtf validate JSON report"));
	unlink(path);
	free(path);
	path = write_tmp("[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]"
			 "]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]");
	assert_int_equal(kbtf_baseline_load(path, &b), -EINVAL);
	unlink(path);
	free(path);
	matrix_free(&mx);
}

/*
 * The baseline's results are taken one by one as they are read (a report
 * of 100,000 pairs is never a tree in memory): where "results" stands in
 * the object does not matter, a second "results" key is not the report's
 * (the first one is, as a reader of the whole tree finds it), and a
 * result without a verdict is named by its place.
 */
static void test_baseline_streamed(void **state)
{
	static const char *const ok[] = {
	    "{\"results\": [{\"module\": \"/m/a.ko\", \"release\": \"6.1.0-56-amd64\", "
	    "\"verdict\": \"ok\", \"problems\": [[1, {\"x\": [2]}]]}], \"format_version\": 3, "
	    "\"results\": [{\"verdict\": \"error\"}, 5]}",
	    "{\"format_version\": 3, \"kernels\": [[], {}], \"results\": [{\"module\": "
	    "\"/m/a.ko\", \"release\": \"6.1.0-56-amd64\", \"verdict\": \"ok\"}]}",
	};
	struct kbtf_baseline *b;
	struct kbtf_matrix mx;
	struct kbtf_report_change *c;
	char *path;
	size_t i, n;

	(void)state;
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		path = write_tmp(ok[i]);
		assert_int_equal(kbtf_baseline_load(path, &b), 0);
		/* one pair: an empty run has it gone */
		memset(&mx, 0, sizeof(mx));
		assert_int_equal(kbtf_report_changes(&mx, b, &c, &n), 0);
		assert_int_equal(n, 1);
		assert_int_equal(c[0].change, KBTF_CHANGE_GONE);
		assert_string_equal(c[0].was, "ok");
		assert_string_equal(c[0].kernel, "6.1.0-56-amd64");
		free(c);
		kbtf_baseline_free(b);
		unlink(path);
		free(path);
	}
	path = write_tmp("{\"format_version\": 3, \"results\": [{\"verdict\": \"ok\"}, "
			 "{\"module\": \"/m/a.ko\"}]}");
	assert_int_equal(kbtf_baseline_load(path, &b), -EINVAL);
	assert_non_null(strstr(kbtf_errstr(), "result 1 has no verdict"));
	assert_non_null(strstr(kbtf_errstr(), path));
	unlink(path);
	free(path);
	/* the JSON broken after results were taken: refused, nothing kept */
	path = write_tmp("{\"results\": [{\"verdict\": \"ok\"}], \"format_version\": }");
	assert_int_equal(kbtf_baseline_load(path, &b), -EINVAL);
	assert_non_null(strstr(kbtf_errstr(), "not JSON"));
	unlink(path);
	free(path);
}

static void test_abi_models(void **state)
{
	const struct kbtf_abi_model *m;
	char buf[64];

	m = kbtf_abi_model_of("6.12.113+deb12-rt-amd64");
	assert_non_null(m);
	assert_string_equal(m->distro, "Debian");
	assert_false(m->stable_kabi);
	assert_ptr_equal(kbtf_abi_model_of("6.1.0-56-cloud-amd64"), m);
	assert_ptr_equal(kbtf_abi_model_of("7.2.13+deb14-amd64"), m);
	assert_null(kbtf_abi_model_of("6.20.0-fuzz"));
	assert_null(kbtf_abi_model_of(NULL));
	m = kbtf_abi_model_of("5.14.0-427.13.1.el9_4.x86_64");
	assert_non_null(m);
	assert_true(m->stable_kabi);
	kbtf_abi_stream(m, "5.14.0-427.13.1.el9_4.x86_64", buf, sizeof(buf));
	assert_string_equal(buf, "el9_4");
	m = kbtf_abi_model_of("5.14.21-150500.55.39-default");
	assert_non_null(m);
	kbtf_abi_stream(m, "5.14.21-150500.55.39-default", buf, sizeof(buf));
	assert_string_equal(buf, "150500");
}

/* RHEL-like kernels: one binary per kABI stream, said per module. */
static void test_abi_streams(void **state)
{
	static const char *const rel[] = {"5.14.0-427.13.1.el9_4.x86_64",
					  "5.14.0-427.42.1.el9_4.x86_64",
					  "5.14.0-503.11.1.el9_5.x86_64"};
	struct kbtf_matrix mx;
	size_t k;
	char *out;

	memset(&mx, 0, sizeof(mx));
	mx.nr_modules = 1;
	mx.nr_kernels = 3;
	mx.results = calloc(3, sizeof(*mx.results));
	assert_non_null(mx.results);
	for (k = 0; k < 3; k++)
		fill(&mx.results[k], "/m/demo.ko", rel[k],
		     k < 2 ? KBTF_VERDICT_OK : KBTF_VERDICT_SYMBOLS);
	out = render(&mx, KBTF_REPORT_TEXT);
	assert_non_null(strstr(out, "RHEL-like kernels (3 of 3)"));
	assert_non_null(strstr(out, "kABI stream el9_4 (5.14.0-427.13.1.el9_4.x86_64 and "
				    "5.14.0-427.42.1.el9_4.x86_64): demo loads on every kernel of "
				    "it: one binary serves them all"));
	assert_non_null(strstr(out, "kABI stream el9_5 (5.14.0-503.11.1.el9_5.x86_64): demo loads "
				    "on none of its kernels"));
	assert_null(strstr(out, "Debian"));
	free(out);
	out = render(&mx, KBTF_REPORT_JSON);
	assert_non_null(strstr(out, "\"stable_kabi\": true"));
	assert_non_null(strstr(out, "\"name\": \"el9_4\""));
	free(out);
	matrix_free(&mx);
}

static void test_format_of_path(void **state)
{
	enum kbtf_report_format f;

	assert_int_equal(kbtf_report_format_of_path("r.json", &f), 0);
	assert_int_equal(f, KBTF_REPORT_JSON);
	assert_int_equal(kbtf_report_format_of_path("out/R.XML", &f), 0);
	assert_int_equal(f, KBTF_REPORT_JUNIT);
	assert_int_equal(kbtf_report_format_of_path("r.md", &f), 0);
	assert_int_equal(f, KBTF_REPORT_MD);
	assert_int_equal(kbtf_report_format_of_path("r.html", &f), 0);
	assert_int_equal(f, KBTF_REPORT_HTML);
	assert_int_equal(kbtf_report_format_of_path("r.txt", &f), 0);
	assert_int_equal(f, KBTF_REPORT_TEXT);
	assert_int_equal(kbtf_report_format_of_path("report", &f), -EINVAL);
	assert_int_equal(kbtf_report_format_of_path(".json", &f), -EINVAL);
}

static void test_format_names(void **state)
{
	enum kbtf_report_format f;

	assert_int_equal(kbtf_report_format_parse("junit", &f), 0);
	assert_int_equal(f, KBTF_REPORT_JUNIT);
	assert_int_equal(kbtf_report_format_parse("markdown", &f), 0);
	assert_int_equal(f, KBTF_REPORT_MD);
	assert_int_equal(kbtf_report_format_parse("yaml", &f), -EINVAL);
}

/*
 * The judges' lines are formatted by hand for the conversions they use
 * (result.c): the same bytes as printf, cut as snprintf cuts, and other
 * formats still printf's.
 */
static void test_note_formats(void **state)
{
	struct kbtf_notes n = {0};
	char want[128], buf[64], *field = NULL;
	const char *volatile none = NULL; /* printf's "(null)", unseen by the compiler */
	size_t used, cut;

	snprintf(want, sizeof(want), "%s %u %d %d %zu %x %08x %% %s|", "a", 4294967295u, -7,
		 -2147483647 - 1, (size_t)12345678901ull, 0xbeefu, 0xabcu, none);
	kbtf_note_field(&n, &field, "%s %u %d %d %zu %x %08x %% %s|", "a", 4294967295u, -7,
			-2147483647 - 1, (size_t)12345678901ull, 0xbeefu, 0xabcu, none);
	assert_string_equal(field, want);
	/* a width: printf's own */
	kbtf_note_field(&n, &field, "%u|%5s|", 3u, "w");
	assert_string_equal(field, "3|    w|");
	free(field);
	for (cut = 2; cut <= 24; cut++) {
		snprintf(want, cut, "ab%s:%u/%08x", "cdefgh", 90210u, 0x1234u);
		used = 0;
		memset(buf, 'z', sizeof(buf));
		kbtf_appendf(buf, cut, &used, "ab%s:%u/%08x", "cdefgh", 90210u, 0x1234u);
		assert_string_equal(buf, want);
		assert_int_equal(used, strlen(want));
	}
	used = 2;
	memcpy(buf, "xy", 3);
	kbtf_appendf(buf, sizeof(buf), &used, "-%zu-", (size_t)0);
	assert_string_equal(buf, "xy-0-");
	assert_int_equal(used, 5);
	kbtf_notes_fini(&n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_json_parses_back),
	    cmocka_unit_test(test_junit_well_formed),
	    cmocka_unit_test(test_md_tables_hold),
	    cmocka_unit_test(test_html_escapes),
	    cmocka_unit_test(test_text_table),
	    cmocka_unit_test(test_note_formats),
	    cmocka_unit_test(test_groups),
	    cmocka_unit_test(test_format_names),
	    cmocka_unit_test(test_causes),
	    cmocka_unit_test(test_causes_every_format),
	    cmocka_unit_test(test_unchecked_label),
	    cmocka_unit_test(test_fail_on),
	    cmocka_unit_test(test_baseline),
	    cmocka_unit_test(test_baseline_arch),
	    cmocka_unit_test(test_baseline_streamed),
	    cmocka_unit_test(test_abi_models),
	    cmocka_unit_test(test_format_of_path),
	    cmocka_unit_test(test_abi_streams),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
