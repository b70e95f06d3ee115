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

#include "kbtf/report.h"
#include "report_writers.h"

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
	assert_non_null(strstr(out, "4 pairs: 2 ok, 1 btf-rejected"));
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

static void test_format_names(void **state)
{
	enum kbtf_report_format f;

	assert_int_equal(kbtf_report_format_parse("junit", &f), 0);
	assert_int_equal(f, KBTF_REPORT_JUNIT);
	assert_int_equal(kbtf_report_format_parse("markdown", &f), 0);
	assert_int_equal(f, KBTF_REPORT_MD);
	assert_int_equal(kbtf_report_format_parse("yaml", &f), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_json_parses_back), cmocka_unit_test(test_junit_well_formed),
	    cmocka_unit_test(test_md_tables_hold),   cmocka_unit_test(test_html_escapes),
	    cmocka_unit_test(test_text_table),	     cmocka_unit_test(test_groups),
	    cmocka_unit_test(test_format_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
