// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The one taxonomy of root causes (cause.h): which cause each problem,
 * warning and unchecked step of a pair belongs to, the fix for each, the
 * matrix's causes grouped into rows, and the distro ABI models reports
 * explain in their header.
 *
 * The rules follow what decides a load in the kernel's load_module():
 * check_modstruct_version() refuses a module whose module_layout CRC
 * differs before any other symbol is looked at, and on a modversions
 * kernel that CRC changes with every build whose struct module or
 * exported types changed (Debian: every upload and flavour), so a pair
 * with it is "tied to one build" and its other CRC differences are its
 * symptoms, not causes of their own.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cause.h"
#include "kbtf/err.h"

static const struct {
	const char *code;
	enum kbtf_cause_class cls;
	const char *title;
} causes[KBTF_CAUSE_COUNT] = {
    [KBTF_CAUSE_UNREADABLE] = {"kernel-unreadable", KBTF_CLASS_ERROR,
			       "kbtf could not read the kernel"},
    [KBTF_CAUSE_ELF_ARCH] = {"elf-arch-mismatch", KBTF_CLASS_ELF, "built for another architecture"},
    [KBTF_CAUSE_ELF] = {"elf-refused", KBTF_CLASS_ELF, "the loader's ELF checks refuse the file"},
    [KBTF_CAUSE_ABI_BUILD] = {"abi-tied-to-build", KBTF_CLASS_SYMBOLS,
			      "the binary is tied to the kernel build it was compiled for "
			      "(module_layout CRC or version magic differ)"},
    [KBTF_CAUSE_CONFIG_RT] = {"config-preempt-rt", KBTF_CLASS_CONFIG,
			      "PREEMPT_RT kernels: another config, other lock sizes"},
    [KBTF_CAUSE_UNVERSIONED] = {"no-modversions", KBTF_CLASS_SYMBOLS,
				"the module has no __versions and the kernel cannot force it"},
    [KBTF_CAUSE_SYMBOL_MISSING] = {"symbol-missing", KBTF_CLASS_SYMBOLS,
				   "symbols these kernels do not export"},
    [KBTF_CAUSE_SYMBOL_CRC] = {"symbol-crc-changed", KBTF_CLASS_SYMBOLS,
			       "a symbol's modversions CRC changed"},
    [KBTF_CAUSE_SYMBOL_ACCESS] = {"symbol-not-allowed", KBTF_CLASS_SYMBOLS,
				  "GPL-only or namespaced exports the module may not use"},
    [KBTF_CAUSE_TYPE_CHANGED] = {"type-changed", KBTF_CLASS_BTF,
				 "a kernel type resized or reshaped since build time"},
    [KBTF_CAUSE_TYPE_MISSING] = {"type-missing", KBTF_CLASS_BTF,
				 "kernel types these kernels do not have"},
    [KBTF_CAUSE_NO_BTF_BASE] = {"kernel-predates-btf-base", KBTF_CLASS_BTF,
				"the kernel predates .BTF.base (Linux < 6.11)"},
    [KBTF_CAUSE_SPLIT_OTHER] = {"split-btf-other-build", KBTF_CLASS_BTF,
				"plain split BTF built for another kernel"},
    [KBTF_CAUSE_BTF_MALFORMED] = {"btf-malformed", KBTF_CLASS_BTF,
				  "the module's BTF fails the kernel's checks"},
    [KBTF_CAUSE_LAYOUT_DRIFT] = {"layout-drift", KBTF_CLASS_DRIFT,
				 "a type the module embeds changed layout (the kernel does not "
				 "check)"},
    [KBTF_CAUSE_MEMBER_MOVED] = {"member-moved", KBTF_CLASS_DRIFT,
				 "kernel struct members the module's code touches moved or changed "
				 "(the kernel does not check)"},
    [KBTF_CAUSE_UNCHECKED_SYMS] = {"unchecked-symbols", KBTF_CLASS_UNCHECKED,
				   "symbols not checked: no export list for the kernel"},
    [KBTF_CAUSE_UNCHECKED_MAGIC] = {"unchecked-vermagic", KBTF_CLASS_UNCHECKED,
				    "vermagic not checked: the kernel's config is unknown"},
    [KBTF_CAUSE_UNCHECKED_ARCH] = {"unchecked-arch", KBTF_CLASS_UNCHECKED,
				   "architecture not checked: the kernel's is unknown (raw BTF)"},
};

const char *kbtf_cause_code(enum kbtf_cause c)
{
	return c < KBTF_CAUSE_COUNT ? causes[c].code : "?";
}

enum kbtf_cause_class kbtf_cause_class(enum kbtf_cause c)
{
	return c < KBTF_CAUSE_COUNT ? causes[c].cls : KBTF_CLASS_ERROR;
}

const char *kbtf_cause_title(enum kbtf_cause c)
{
	return c < KBTF_CAUSE_COUNT ? causes[c].title : "?";
}

const char *kbtf_cause_class_str(enum kbtf_cause_class c)
{
	static const char *const names[] = {"error",  "elf",   "symbols",  "btf",
					    "config", "drift", "unchecked"};

	return (size_t)c < sizeof(names) / sizeof(names[0]) ? names[c] : "?";
}

/* ------------------------------------------------------- one pair */

/* A PREEMPT_RT flavour by its release: Debian's "-rt-amd64", "-rt". */
static bool rt_release(const char *rel)
{
	size_t n;

	if (!rel)
		return false;
	n = strlen(rel);
	return strstr(rel, "-rt-") || (n > 3 && !strcmp(rel + n - 3, "-rt"));
}

/*
 * The release without its flavour ("6.12.113+deb12-rt-amd64" and
 * "6.12.113+deb12-amd64" are both "6.12.113+deb12"): trailing "-word"
 * parts that are not numbers.
 */
static void release_base(const char *rel, char *buf, size_t len)
{
	char *dash;

	snprintf(buf, len, "%s", rel ? rel : "");
	while ((dash = strrchr(buf, '-')) && dash[1] && !strchr("0123456789", dash[1]))
		*dash = '\0';
}

/* Types whose size PREEMPT_RT changes (spinlocks become rt_mutexes). */
static bool lock_type(const char *name)
{
	static const char *const locks[] = {
	    "spinlock",	     "spinlock_t",	"raw_spinlock",	     "raw_spinlock_t",
	    "rwlock_t",	     "mutex",		"rw_semaphore",	     "rt_mutex",
	    "rt_mutex_base", "wait_queue_head", "wait_queue_head_t", "completion",
	    "seqlock_t",     "local_lock_t",
	};
	size_t i;

	for (i = 0; i < sizeof(locks) / sizeof(locks[0]); i++)
		if (!strcmp(name, locks[i]))
			return true;
	return false;
}

/*
 * A type that differs on a PREEMPT_RT kernel is the config's doing when
 * it is a lock type or the module was built for the same release in
 * another flavour.
 */
static bool rt_config(const struct kbtf_result *r, const char *type)
{
	char a[128], b[128];

	if (!rt_release(r->release) || rt_release(r->module_release))
		return false;
	if (lock_type(type))
		return true;
	release_base(r->release, a, sizeof(a));
	release_base(r->module_release, b, sizeof(b));
	return r->module_release && !strcmp(a, b);
}

struct cause_list {
	struct kbtf_pair_cause *v;
	size_t n, cap;
	int err;
};

static void add(struct cause_list *l, enum kbtf_cause c, const char *subject)
{
	size_t i;

	subject = subject ? subject : "";
	for (i = 0; i < l->n; i++)
		if (l->v[i].cause == c && !strcmp(l->v[i].subject, subject))
			return;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 8;
		struct kbtf_pair_cause *nv = realloc(l->v, cap * sizeof(*nv));

		if (!nv) {
			l->err = -ENOMEM;
			return;
		}
		l->v = nv;
		l->cap = cap;
	}
	l->v[l->n].cause = c;
	l->v[l->n++].subject = subject;
}

static bool has_problem(const struct kbtf_result *r, const char *name, const char *reason)
{
	size_t i;

	for (i = 0; i < r->nr_problems; i++)
		if (!strcmp(r->problems[i].name, name) && !strcmp(r->problems[i].reason, reason))
			return true;
	return false;
}

/* CRC differences of symbols other than module_layout. */
static size_t crc_changes(const struct kbtf_result *r)
{
	size_t i, n = 0;

	for (i = 0; i < r->nr_problems; i++)
		n += r->problems[i].kind == KBTF_PROBLEM_SYMBOL &&
		     !strcmp(r->problems[i].reason, "crc-mismatch") &&
		     strcmp(r->problems[i].name, "module_layout");
	return n;
}

/*
 * From this many CRC differences on one pair, the build is what differs
 * (another flavour's config, another upload), not one symbol: Debian's
 * cloud flavour of the same release keeps module_layout's CRC and changes
 * those of the symbols whose types its config changes.
 */
#define TIED_CRCS 3

static void symbol_cause(struct cause_list *l, const struct kbtf_result *r,
			 const struct kbtf_problem *p, bool tied)
{
	if (!strcmp(p->reason, "vermagic-mismatch")) {
		/* with modversions only the part after the release counts: a
		 * "preempt_rt" there is the config */
		bool rt = p->actual && strcasestr(p->actual, "preempt_rt") && p->expected &&
			  !strcasestr(p->expected, "preempt_rt");

		add(l, rt ? KBTF_CAUSE_CONFIG_RT : KBTF_CAUSE_ABI_BUILD, "vermagic");
	} else if (!strcmp(p->reason, "crc-mismatch")) {
		if (!strcmp(p->name, "module_layout"))
			add(l, KBTF_CAUSE_ABI_BUILD, "module_layout");
		else if (tied)
			add(l, KBTF_CAUSE_ABI_BUILD, "symbol CRCs");
		else
			add(l, KBTF_CAUSE_SYMBOL_CRC, p->name);
	} else if (!strcmp(p->reason, "unresolved")) {
		add(l, KBTF_CAUSE_SYMBOL_MISSING, p->name);
	} else if (!strcmp(p->reason, "unversioned")) {
		add(l, KBTF_CAUSE_UNVERSIONED, "");
	} else {
		add(l, KBTF_CAUSE_SYMBOL_ACCESS, p->name);
	}
	(void)r;
}

static void btf_cause(struct cause_list *l, const struct kbtf_result *r,
		      const struct kbtf_problem *p)
{
	const char *why = p->reason;

	if (!strcmp(why, "size-mismatch") || !strcmp(why, "kind-mismatch") ||
	    !strcmp(why, "encoding-mismatch") || !strcmp(why, "ambiguous"))
		add(l, rt_config(r, p->name) ? KBTF_CAUSE_CONFIG_RT : KBTF_CAUSE_TYPE_CHANGED,
		    p->name);
	else if (!strcmp(why, "not-found"))
		add(l, KBTF_CAUSE_TYPE_MISSING, p->name);
	else if (!strcmp(why, "no-distilled-support"))
		add(l, KBTF_CAUSE_NO_BTF_BASE, "");
	else if (!strcmp(why, "built-for-another-kernel"))
		add(l, KBTF_CAUSE_SPLIT_OTHER, "");
	else if (!strncmp(why, "member-", 7) || !strcmp(why, "bitfield-changed"))
		add(l, KBTF_CAUSE_MEMBER_MOVED, p->name); /* judge_access.c */
	else
		add(l, KBTF_CAUSE_BTF_MALFORMED, why);
}

static int cmp_pair_cause(const void *a, const void *b)
{
	const struct kbtf_pair_cause *x = a, *y = b;

	if (x->cause != y->cause)
		return x->cause < y->cause ? -1 : 1;
	return strcmp(x->subject, y->subject);
}

int kbtf_causes_of(const struct kbtf_result *r, struct kbtf_pair_cause **out, size_t *n)
{
	struct cause_list l = {0};
	bool tied = has_problem(r, "module_layout", "crc-mismatch") || crc_changes(r) >= TIED_CRCS;
	unsigned int open = r->unchecked & ~r->skipped;
	size_t i;

	if (r->verdict == KBTF_VERDICT_ERROR) {
		add(&l, KBTF_CAUSE_UNREADABLE, r->summary);
	} else if (r->verdict == KBTF_VERDICT_ELF_REJECTED) {
		if (r->module_arch && r->kernel_arch && strcmp(r->module_arch, r->kernel_arch))
			add(&l, KBTF_CAUSE_ELF_ARCH, r->module_arch);
		else
			add(&l, KBTF_CAUSE_ELF, r->kernel_log);
	}
	for (i = 0; i < r->nr_problems; i++) {
		if (r->problems[i].kind == KBTF_PROBLEM_SYMBOL)
			symbol_cause(&l, r, &r->problems[i], tied);
		else
			btf_cause(&l, r, &r->problems[i]);
	}
	for (i = 0; i < r->nr_warnings; i++)
		if (!strcmp(r->warnings[i].kind, "layout-drift"))
			add(&l, KBTF_CAUSE_LAYOUT_DRIFT, r->warnings[i].name);
	if (r->verdict != KBTF_VERDICT_ERROR && r->verdict != KBTF_VERDICT_ELF_REJECTED) {
		if (open & KBTF_UNCHECKED_SYMBOLS)
			add(&l, KBTF_CAUSE_UNCHECKED_SYMS, "");
		if (open & KBTF_UNCHECKED_VERMAGIC)
			add(&l, KBTF_CAUSE_UNCHECKED_MAGIC, "");
		if (r->unchecked & KBTF_UNCHECKED_ARCH)
			add(&l, KBTF_CAUSE_UNCHECKED_ARCH, "");
	}
	if (l.err) {
		free(l.v);
		return kbtf_err_nomem();
	}
	if (l.n)
		qsort(l.v, l.n, sizeof(*l.v), cmp_pair_cause);
	*out = l.v;
	*n = l.n;
	return 0;
}

const char *kbtf_unchecked_supply(const struct kbtf_result *r)
{
	unsigned int open = r->unchecked & ~r->skipped & KBTF_UNCHECKED_SAID;

	if (open & KBTF_UNCHECKED_SYMBOLS)
		return "supply the kernel's Module.symvers: its linux-headers package (give "
		       "the package or headers directory as the kernel source, or 'kbtf "
		       "kernels fetch' it into a profile), or --symvers FILE";
	if (open & KBTF_UNCHECKED_VERMAGIC)
		return "supply the kernel's config: its linux-image package, /boot with "
		       "config-RELEASE, or a profile with a config";
	if (open & KBTF_UNCHECKED_ARCH)
		return "supply a kernel source that names its architecture: its vmlinux, boot "
		       "image or package, or a BTFHub file in its <arch>/ folder";
	return "";
}

/* ------------------------------------------------------- the matrix */

struct row_build {
	struct kbtf_cause_row *v;
	size_t n, cap;
};

/*
 * Causes whose fix does not depend on the subject are one row whatever
 * their subjects (module_layout, vermagic or symbol CRCs: the binary is
 * tied to its build either way); the others one row per subject until
 * rows on the same pairs are merged.
 */
static bool one_row(enum kbtf_cause c)
{
	switch (c) {
	case KBTF_CAUSE_ABI_BUILD:
	case KBTF_CAUSE_CONFIG_RT:
	case KBTF_CAUSE_UNVERSIONED:
	case KBTF_CAUSE_NO_BTF_BASE:
	case KBTF_CAUSE_SPLIT_OTHER:
	case KBTF_CAUSE_ELF_ARCH:
	case KBTF_CAUSE_UNCHECKED_SYMS:
	case KBTF_CAUSE_UNCHECKED_MAGIC:
	case KBTF_CAUSE_UNCHECKED_ARCH:
		return true;
	default:
		return false;
	}
}

static struct kbtf_cause_row *row_find(struct row_build *b, enum kbtf_cause c, const char *s)
{
	size_t i;

	for (i = b->n; i-- > 0;)
		if (b->v[i].cause == c && (one_row(c) || !strcmp(b->v[i].subjects[0], s)))
			return &b->v[i];
	return NULL;
}

static int add_subject(struct kbtf_cause_row *row, const char *s)
{
	const char **ns;
	size_t i;

	for (i = 0; i < row->nr_subjects; i++)
		if (!strcmp(row->subjects[i], s))
			return 0;
	ns = realloc(row->subjects, (row->nr_subjects + 1) * sizeof(*ns));
	if (!ns)
		return -ENOMEM;
	row->subjects = ns;
	row->subjects[row->nr_subjects++] = s;
	return 0;
}

static int row_add(struct row_build *b, enum kbtf_cause c, const char *s, size_t pair)
{
	struct kbtf_cause_row *row = row_find(b, c, s);
	size_t *np;

	if (!row) {
		if (b->n == b->cap) {
			size_t cap = b->cap ? b->cap * 2 : 16;
			struct kbtf_cause_row *nv = realloc(b->v, cap * sizeof(*nv));

			if (!nv)
				return -ENOMEM;
			b->v = nv;
			b->cap = cap;
		}
		row = &b->v[b->n];
		memset(row, 0, sizeof(*row));
		row->cause = c;
		row->subjects = malloc(sizeof(*row->subjects));
		if (!row->subjects)
			return -ENOMEM;
		row->subjects[0] = s;
		row->nr_subjects = 1;
		b->n++;
	} else if (one_row(c) && add_subject(row, s)) {
		return -ENOMEM;
	}
	if (row->nr_pairs && row->pairs[row->nr_pairs - 1] == pair)
		return 0;
	np = realloc(row->pairs, (row->nr_pairs + 1) * sizeof(*np));
	if (!np)
		return -ENOMEM;
	row->pairs = np;
	row->pairs[row->nr_pairs++] = pair;
	return 0;
}

/* The kernels (pair index modulo @nk) of a row as a sorted, unique list,
 * and a hash of it: one pass with a mark per kernel (@seen, @nk bytes). */
static size_t row_kernels(const struct kbtf_cause_row *row, size_t nk, unsigned char *seen,
			  size_t *out, uint64_t *hash)
{
	size_t i, n = 0;
	uint64_t h = 1469598103934665603ull;

	memset(seen, 0, nk);
	for (i = 0; i < row->nr_pairs; i++)
		seen[row->pairs[i] % nk] = 1;
	for (i = 0; i < nk; i++) {
		if (!seen[i])
			continue;
		out[n++] = i;
		h = (h ^ i) * 1099511628211ull;
	}
	*hash = h ^ n;
	return n;
}

/* @a's pairs and @b's, sorted and unique, into @a. */
static int union_pairs(struct kbtf_cause_row *a, const struct kbtf_cause_row *b)
{
	size_t *v = malloc((a->nr_pairs + b->nr_pairs) * sizeof(*v));
	size_t i = 0, j = 0, n = 0;

	if (!v)
		return -ENOMEM;
	while (i < a->nr_pairs || j < b->nr_pairs) {
		if (j == b->nr_pairs || (i < a->nr_pairs && a->pairs[i] < b->pairs[j]))
			v[n++] = a->pairs[i++];
		else if (i == a->nr_pairs || b->pairs[j] < a->pairs[i])
			v[n++] = b->pairs[j++];
		else
			v[n++] = a->pairs[i++], j++;
	}
	free(a->pairs);
	a->pairs = v;
	a->nr_pairs = n;
	return 0;
}

/*
 * Rows of one cause on the very same kernels become one row, whichever
 * modules they hit: the symbols one kernel series lacks are one fact.
 */
static int merge_rows(struct row_build *b, size_t nk)
{
	size_t i, j, k = 0;
	size_t *ki = malloc((nk + 1) * sizeof(*ki));
	unsigned char *seen = malloc(nk + 1);
	uint64_t *hash = calloc(b->n + 1, sizeof(*hash));
	size_t *count = calloc(b->n + 1, sizeof(*count));
	int err = 0;

	if (!ki || !seen || !hash || !count) {
		err = -ENOMEM;
		goto out;
	}
	/* each row's kernel set as a hash and a count, once */
	for (i = 0; i < b->n; i++)
		count[i] = row_kernels(&b->v[i], nk, seen, ki, &hash[i]);
	for (i = 0; i < b->n && !err; i++) {
		struct kbtf_cause_row *keep = NULL;

		/* rows kept so far sit at 0..k-1 with their hashes moved along */
		for (j = 0; j < k && !keep; j++)
			if (b->v[j].cause == b->v[i].cause && hash[j] == hash[i] &&
			    count[j] == count[i])
				keep = &b->v[j];
		if (!keep) {
			hash[k] = hash[i];
			count[k] = count[i];
			b->v[k++] = b->v[i];
			continue;
		}
		err = union_pairs(keep, &b->v[i]);
		for (j = 0; !err && j < b->v[i].nr_subjects; j++)
			err = add_subject(keep, b->v[i].subjects[j]);
		free(b->v[i].subjects);
		free(b->v[i].pairs);
	}
	/* on failure the rows not yet looked at are still whole: keep them */
	for (; i < b->n; i++)
		b->v[k++] = b->v[i];
	b->n = k;
out:
	free(ki);
	free(seen);
	free(hash);
	free(count);
	return err;
}

static int cmp_row(const void *a, const void *b)
{
	const struct kbtf_cause_row *x = a, *y = b;

	if (x->cause != y->cause)
		return x->cause < y->cause ? -1 : 1;
	if (x->nr_pairs != y->nr_pairs)
		return x->nr_pairs > y->nr_pairs ? -1 : 1;
	return strcmp(x->subjects[0], y->subjects[0]);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

#define FIX_NAMES 6

/* Up to FIX_NAMES subjects, "a, b and 3 more", into @buf. */
static void names(const struct kbtf_cause_row *row, char *buf, size_t len)
{
	size_t i, used = 0, shown = 0;
	int w;

	buf[0] = '\0';
	for (i = 0; i < row->nr_subjects && shown < FIX_NAMES; i++) {
		if (!*row->subjects[i])
			continue;
		w = snprintf(buf + used, len - used, "%s%s", shown ? ", " : "", row->subjects[i]);
		if (w < 0 || (size_t)w >= len - used)
			return;
		used += (size_t)w;
		shown++;
	}
	if (row->nr_subjects > shown && shown)
		snprintf(buf + used, len - used, " and %zu more", row->nr_subjects - shown);
}

static int make_fix(struct kbtf_cause_row *row)
{
	char s[512];
	const char *one = row->nr_subjects == 1 ? "s" : "";
	int n = -1;

	names(row, s, sizeof(s));
	switch (row->cause) {
	case KBTF_CAUSE_UNREADABLE:
		n = asprintf(&row->fix,
			     "kbtf could not read these kernels (%s): give another source of "
			     "them (the linux-image package, the boot image, or a profile).",
			     s);
		break;
	case KBTF_CAUSE_ELF_ARCH:
		n = asprintf(&row->fix,
			     "The module is built for %s: build it for the kernels' architecture "
			     "(ARCH= and CROSS_COMPILE= against their headers).",
			     s);
		break;
	case KBTF_CAUSE_ELF:
		n = asprintf(&row->fix,
			     "The loader refuses the file before reading it (%s): rebuild the "
			     "module against these kernels' headers; a file truncated or "
			     "changed after the build does this too.",
			     s);
		break;
	case KBTF_CAUSE_ABI_BUILD:
		n = asprintf(&row->fix,
			     "This binary loads only on the kernel build it was compiled for "
			     "(%s differ%s): ship it through DKMS (or build one binary per "
			     "kernel release and flavour).",
			     s, row->nr_subjects == 1 && strcmp(s, "symbol CRCs") ? "s" : "");
		break;
	case KBTF_CAUSE_CONFIG_RT:
		if (row->nr_subjects == 1 && !strcmp(row->subjects[0], "vermagic"))
			n = asprintf(&row->fix, "%s",
				     "These are PREEMPT_RT kernels (their version magic says "
				     "preempt_rt): build an rt variant against an rt kernel's "
				     "headers.");
		else
			n = asprintf(&row->fix,
				     "These are PREEMPT_RT kernels (%s differ%s there: spinlocks "
				     "are rt_mutexes, a spinlock is 32 bytes instead of 4): build "
				     "an rt variant against an rt kernel's headers.",
				     s, one);
		break;
	case KBTF_CAUSE_UNVERSIONED:
		n = asprintf(&row->fix, "%s",
			     "The module carries no symbol versions: build it with the kernel's "
			     "own headers (CONFIG_MODVERSIONS adds __versions).");
		break;
	case KBTF_CAUSE_SYMBOL_MISSING:
		n = asprintf(&row->fix,
			     "These kernels do not export %s: guard the use with a "
			     "LINUX_VERSION_CODE check or a fallback, or build per kernel "
			     "series.",
			     s);
		break;
	case KBTF_CAUSE_SYMBOL_CRC:
		n = asprintf(&row->fix,
			     "The prototype or types behind %s changed in these kernels "
			     "(modversions CRC): rebuild against them (DKMS does it on the "
			     "user's machine).",
			     s);
		break;
	case KBTF_CAUSE_SYMBOL_ACCESS:
		n = asprintf(&row->fix,
			     "%s %s GPL-only or namespaced in these kernels: use a GPL-compatible "
			     "MODULE_LICENSE, or add MODULE_IMPORT_NS() for the namespace.",
			     s, row->nr_subjects == 1 ? "is" : "are");
		break;
	case KBTF_CAUSE_TYPE_CHANGED:
		n = asprintf(&row->fix,
			     "%s %s another size or shape in these kernels than at build time: "
			     "rebuild against that kernel (or stop embedding %s by value).",
			     s, row->nr_subjects == 1 ? "has" : "have",
			     row->nr_subjects == 1 ? "it" : "them");
		break;
	case KBTF_CAUSE_TYPE_MISSING:
		n = asprintf(&row->fix,
			     "These kernels have no type %s: rebuild against them, or leave the "
			     "code that uses it out where it is missing.",
			     s);
		break;
	case KBTF_CAUSE_NO_BTF_BASE:
		n = asprintf(&row->fix, "%s",
			     "These kernels predate .BTF.base (Linux < 6.11) and read .BTF on "
			     "their own vmlinux: ship a plain split BTF built against each of "
			     "them (kbtf build, kbtf distill --plain-split, or DKMS with kbtf's "
			     "hook).");
		break;
	case KBTF_CAUSE_SPLIT_OTHER:
		n = asprintf(&row->fix, "%s",
			     "A plain split .BTF is right only on the vmlinux it was built on: "
			     "add a distilled .BTF.base (kbtf distill) for 6.11 and later, or "
			     "build per kernel (DKMS with kbtf's hook).");
		break;
	case KBTF_CAUSE_BTF_MALFORMED:
		n = asprintf(&row->fix,
			     "The module's BTF fails these kernels' checks (%s): encode it again "
			     "with kbtf build or kbtf distill.",
			     s);
		break;
	case KBTF_CAUSE_LAYOUT_DRIFT:
		n = asprintf(&row->fix,
			     "%s changed member layout and no kernel checks it: rebuild against "
			     "these kernels before shipping, or the module reads and writes the "
			     "wrong bytes.",
			     s);
		break;
	case KBTF_CAUSE_MEMBER_MOVED:
		n = asprintf(&row->fix,
			     "Members of %s that the module's code touches are elsewhere on these "
			     "kernels (each problem names the function and line): the module loads "
			     "and uses the wrong bytes. Build it for these kernels (DKMS with "
			     "kbtf's hook, or one build per kernel), or stop touching the member "
			     "directly.",
			     s);
		break;
	case KBTF_CAUSE_UNCHECKED_SYMS:
		n = asprintf(&row->fix, "%s",
			     "No export list (Module.symvers) for these kernels: supply their "
			     "linux-headers packages (the package or headers directory as the "
			     "kernel source, or 'kbtf kernels fetch' into a profile), or "
			     "--symvers FILE.");
		break;
	case KBTF_CAUSE_UNCHECKED_MAGIC:
		n = asprintf(&row->fix, "%s",
			     "These kernels' config is unknown, so vermagic was not compared: "
			     "give a source with the config (the linux-image package, /boot, or "
			     "a profile).");
		break;
	case KBTF_CAUSE_UNCHECKED_ARCH:
		n = asprintf(&row->fix, "%s",
			     "These kernels' architecture is unknown (raw BTF carries none), so "
			     "they were paired with every module and the module's ELF machine "
			     "was not compared: a module of another architecture would be "
			     "refused. Give their vmlinux, boot image or package, or a BTFHub "
			     "file in its <arch>/ folder.");
		break;
	case KBTF_CAUSE_COUNT:
		break;
	}
	if (n < 0) {
		row->fix = NULL;
		return -ENOMEM;
	}
	return 0;
}

char *kbtf_cause_fix(enum kbtf_cause c, const char *subject)
{
	const char *subjects[1] = {subject ? subject : ""};
	struct kbtf_cause_row row = {.cause = c, .subjects = subjects, .nr_subjects = 1};

	return make_fix(&row) ? NULL : row.fix;
}

int kbtf_cause_rows(const struct kbtf_matrix *mx, struct kbtf_cause_row **out, size_t *n)
{
	struct row_build b = {0};
	size_t i, j, np = mx->nr_modules * mx->nr_kernels;
	int err = 0;

	for (i = 0; i < np && !err; i++) {
		struct kbtf_pair_cause *pc;
		size_t nc;

		if (mx->results[i].not_paired)
			continue; /* not judged: another architecture */
		err = kbtf_causes_of(&mx->results[i], &pc, &nc);
		for (j = 0; !err && j < nc; j++)
			err = row_add(&b, pc[j].cause, pc[j].subject, i);
		free(pc);
	}
	if (!err)
		err = merge_rows(&b, mx->nr_kernels ? mx->nr_kernels : 1);
	for (i = 0; !err && i < b.n; i++) {
		qsort(b.v[i].subjects, b.v[i].nr_subjects, sizeof(*b.v[i].subjects), cmp_str);
		err = make_fix(&b.v[i]);
	}
	if (err) {
		kbtf_cause_rows_free(b.v, b.n);
		return kbtf_err_nomem();
	}
	if (b.n)
		qsort(b.v, b.n, sizeof(*b.v), cmp_row);
	*out = b.v;
	*n = b.n;
	return 0;
}

void kbtf_cause_rows_free(struct kbtf_cause_row *rows, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(rows[i].subjects);
		free(rows[i].pairs);
		free(rows[i].fix);
	}
	free(rows);
}

/* The distinct kernels (pair % @modulo) or modules (pair / @divide) of a
 * row, ascending, into @out: one pass with a mark per index. */
static size_t unique_of(const struct kbtf_cause_row *row, size_t *out, size_t modulo, size_t divide,
			size_t range)
{
	unsigned char *seen = calloc(range + 1, 1);
	size_t i, n = 0, v;

	if (!seen)
		return 0;
	for (i = 0; i < row->nr_pairs; i++) {
		v = divide ? row->pairs[i] / divide : row->pairs[i] % modulo;
		if (v < range)
			seen[v] = 1;
	}
	for (v = 0; v < range; v++)
		if (seen[v])
			out[n++] = v;
	free(seen);
	return n;
}

size_t kbtf_cause_row_kernels(const struct kbtf_matrix *mx, const struct kbtf_cause_row *row,
			      size_t *out)
{
	return unique_of(row, out, mx->nr_kernels, 0, mx->nr_kernels);
}

size_t kbtf_cause_row_modules(const struct kbtf_matrix *mx, const struct kbtf_cause_row *row,
			      size_t *out)
{
	return unique_of(row, out, 0, mx->nr_kernels, mx->nr_modules);
}

/* ------------------------------------------------------- ABI models */

/*
 * One row per distribution: how its kernel releases are spelled, and how
 * modules follow them. Add a distro here and every report explains it.
 */
static bool debian_release(const char *rel);
static bool rhel_release(const char *rel);
static bool suse_release(const char *rel);
static void rhel_stream(const char *rel, char *buf, size_t len);
static void suse_stream(const char *rel, char *buf, size_t len);

static const struct {
	struct kbtf_abi_model m;
	bool (*match)(const char *rel);
	void (*stream)(const char *rel, char *buf, size_t len); /* NULL: the release */
} models[] = {
    {{"Debian",
      "Debian builds one kernel ABI per release: every upload (6.12.113, 6.12.117, "
      "6.1.0-56 ...) and every flavour (amd64, cloud-amd64, rt-amd64) has its own "
      "modversions CRCs and vermagic, so a module binary loads only on the release it "
      "was built for. Ship the source through DKMS, which rebuilds it for each kernel "
      "the user installs, or one binary per release and flavour.",
      false},
     debian_release,
     NULL},
    {{"RHEL-like",
      "RHEL and its rebuilds keep a stable kABI across the kernels of one minor "
      "release (el9_4, el9_5 ...): one binary built for any of them serves them all, "
      "as long as it uses only kABI-listed symbols; a new minor release needs a new "
      "build (weak-updates links the old one where the kABI allows).",
      true},
     rhel_release,
     rhel_stream},
    {{"SUSE",
      "SUSE keeps a stable kABI within a service pack (SLE 15 SP5 = 150500): one KMP "
      "binary built for a kernel of the service pack serves its later updates.",
      true},
     suse_release,
     suse_stream},
};

/* "6.12.113+deb12-amd64", "6.1.0-56-cloud-amd64", "7.2.13+deb14-rt-amd64" */
static bool debian_release(const char *rel)
{
	const char *p = strstr(rel, "+deb");
	int a, b, c, d, used = 0;

	if (p && p[4] >= '0' && p[4] <= '9')
		return true;
	/* bookworm's 6.1 ABI names: 6.1.0-NN-FLAVOUR */
	if (sscanf(rel, "%d.%d.0-%d-%n", &a, &b, &c, &used) == 3 && used &&
	    (strstr(rel + used, "amd64") || strstr(rel + used, "arm64") ||
	     strstr(rel + used, "686") || strstr(rel + used, "ppc64el") ||
	     strstr(rel + used, "s390x")))
		return true;
	(void)d;
	return false;
}

static bool rhel_release(const char *rel)
{
	return strstr(rel, ".el") != NULL;
}

/* "5.14.0-427.13.1.el9_4.x86_64" -> "el9_4" */
static void rhel_stream(const char *rel, char *buf, size_t len)
{
	const char *p = strstr(rel, ".el");

	snprintf(buf, len, "%.*s", p ? (int)strcspn(p + 1, ".") : 0, p ? p + 1 : "");
}

static bool suse_release(const char *rel)
{
	const char *dash = strchr(rel, '-');

	return dash && dash[1] == '1' && dash[2] == '5' && strspn(dash + 1, "0123456789") == 6 &&
	       (strstr(rel, "-default") || strstr(rel, "-azure") || strstr(rel, "-rt"));
}

/* "5.14.21-150500.55.39-default" -> "150500" (SLE 15 SP5) */
static void suse_stream(const char *rel, char *buf, size_t len)
{
	const char *dash = strchr(rel, '-');

	snprintf(buf, len, "%.6s", dash ? dash + 1 : "");
}

const struct kbtf_abi_model *kbtf_abi_model_of(const char *release)
{
	size_t i;

	if (!release)
		return NULL;
	for (i = 0; i < sizeof(models) / sizeof(models[0]); i++)
		if (models[i].match(release))
			return &models[i].m;
	return NULL;
}

void kbtf_abi_stream(const struct kbtf_abi_model *m, const char *release, char *buf, size_t len)
{
	size_t i;

	for (i = 0; i < sizeof(models) / sizeof(models[0]); i++) {
		if (&models[i].m == m && models[i].stream) {
			models[i].stream(release, buf, len);
			return;
		}
	}
	snprintf(buf, len, "%s", release ? release : "");
}
