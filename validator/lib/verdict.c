// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * One (module, kernel) pair, top-down:
 *
 *   kbtf_validate_pair()
 *     judge_elf()                 elf_validity_cache_copy(): a module it
 *                                 refuses is judged no further
 *     kbtf_judge_symbols()        early_mod_check(), simplify_symbols()
 *     judge_btf()                 btf_module_notify(): which way the kernel
 *                                 reads the module's BTF, one judge each
 *     kbtf_judge_drift()          after a relocation that maps
 *     kbtf_judge_access()         the members the module's code touches
 *     conclude()
 *       kbtf_verdict_combine()    the verdict, the load outcome and the
 *                                 step that decided
 *       take_notes()              every step's problems and warnings; the
 *                                 kernel log lines of the steps the kernel
 *                                 ran, up to the one that decided
 *
 * Each judge writes only its own findings; kbtf_verdict_combine() alone
 * decides from all of them, and conclude() is the only code that writes
 * the decision into a result, for judged pairs and for pairs that could
 * not be judged (kbtf_result_error) alike.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "judge.h"
#include "klog.h"
#include "prepared.h"
#include "util.h"

static void judge_elf(const struct kbtf_pair *pair, struct kbtf_elf_findings *f);
static void judge_btf(const struct kbtf_pair *pair, struct kbtf_btf_findings *f);
static bool judge_archive(struct kbtf_btf_findings *f, const char *sec, int n);
static void judge_malformed(const struct kbtf_pair *pair, struct kbtf_btf_findings *f);
static void notify_failed(const struct kbtf_pair *pair, struct kbtf_btf_findings *f);
static void init_result(struct kbtf_rb *rb, const struct kbtf_pair *pair);
static void conclude(struct kbtf_rb *rb, struct kbtf_findings *f, const struct kbtf_pair *pair);
static enum kbtf_kernel_gen kernel_gen(const struct kbtf_vkernel *k);
static void findings_fini(struct kbtf_findings *f);
static void set_unchecked(struct kbtf_result *r, const struct kbtf_pair *pair);

/* ------------------------------------------------------------ the pair */

int kbtf_validate_pair(const struct kbtf_vmod *m, const struct kbtf_vkernel *k,
		       const struct kbtf_validate_opts *opts, struct kbtf_result *out)
{
	static const struct kbtf_validate_opts defaults;
	const struct kbtf_pair pair = {
	    .m = m,
	    .k = k,
	    .o = opts ? opts : &defaults,
	    .modname = m->mod->name ? m->mod->name : m->path,
	    .release = k->k->release ? k->k->release : "this kernel",
	    .gen = kernel_gen(k),
	};
	struct kbtf_findings f = {.btf.reloc_err = -1};
	struct kbtf_rb rb = {.r = out};
	double t0 = kbtf_now_ms();

	/* a kernel prepared from its profile's index parses its BTF only for
	 * the judges that read it; a profile that fails stops here */
	if (kbtf_vkernel_needs_btf(m, k, pair.o) && !kbtf_vkernel_btf(k))
		return -EINVAL; /* kbtf_errstr() says why */

	/* load_module(): the ELF checks; the sections read after them mean
	 * nothing when they fail */
	judge_elf(&pair, &f.elf);
	if (!f.elf.refused) {
		/* early_mod_check(), then simplify_symbols() */
		kbtf_judge_symbols(&pair, &f.sym);
		/* the formed module's MODULE_STATE_COMING: btf_module_notify() */
		judge_btf(&pair, &f.btf);
		/* what no kernel checks, once its types are known to map */
		if (f.btf.relocated)
			kbtf_judge_drift(&pair, &f.btf.reloc, &f.drift);
		/* what no kernel checks either: the members its code touches */
		kbtf_judge_access(&pair, &f.access);
	}

	memset(out, 0, sizeof(*out));
	init_result(&rb, &pair);
	out->reloc_err = f.btf.reloc_err;
	out->reloc_log = f.btf.reloc_log;
	f.btf.reloc_log = NULL;
	conclude(&rb, &f, &pair);
	if (!f.elf.refused)
		out->kabi = kbtf_judge_kabi(&pair);
	findings_fini(&f);
	out->ms = kbtf_now_ms() - t0;
	if (rb.err) {
		kbtf_result_fini(out);
		return kbtf_err(rb.err, "out of memory judging %s on %s", m->path, k->source);
	}
	if (kbtf_vkernel_check(k)) {
		kbtf_result_fini(out);
		return -EINVAL; /* kbtf_errstr() says why */
	}
	return 0;
}

static void findings_fini(struct kbtf_findings *f)
{
	kbtf_notes_fini(&f->elf.notes);
	kbtf_notes_fini(&f->sym.layout);
	kbtf_notes_fini(&f->sym.modinfo);
	kbtf_notes_fini(&f->sym.notes);
	kbtf_notes_fini(&f->btf.notes);
	kbtf_notes_fini(&f->drift.notes);
	kbtf_notes_fini(&f->access.notes);
	if (f->btf.relocated)
		kbtf_reloc_result_fini(&f->btf.reloc);
	free(f->btf.reloc_log);
}

/* The generation of BTF parse-time rules the kernel applies (kbtf/check.h). */
static enum kbtf_kernel_gen kernel_gen(const struct kbtf_vkernel *k)
{
	if (k->k->release)
		return kbtf_kernel_gen_of_release(k->k->release);
	return k->distilled_support ? KBTF_KERNEL_6_12 : KBTF_KERNEL_6_1;
}

/* ------------------------------------------------------------ the ELF step */

/*
 * The loader's ELF checks read only the module's image and the kernel's
 * machine, release and sizeof(struct module): kernels alike in those get
 * the same answer, so a module keeps the answers it had (the matrix judges
 * it on every kernel of a store, most of a release line alike).
 */
#define ELF_MEMO 16

struct kbtf_elf_memo {
	pthread_mutex_t lock;
	size_t nr;
	struct {
		char *arch; /* NULL: not checked */
		unsigned int major, minor;
		size_t module_struct_size;
		int rc;
		char log[sizeof(((struct kbtf_elf_findings *)0)->log)];
	} e[ELF_MEMO];
};

struct kbtf_elf_memo *kbtf_elf_memo_new(void)
{
	struct kbtf_elf_memo *m = calloc(1, sizeof(*m));

	if (m)
		pthread_mutex_init(&m->lock, NULL);
	return m;
}

void kbtf_elf_memo_free(struct kbtf_elf_memo *m)
{
	size_t i;

	if (!m)
		return;
	for (i = 0; i < m->nr; i++)
		free(m->e[i].arch);
	pthread_mutex_destroy(&m->lock);
	free(m);
}

static bool same_target(const struct kbtf_elf_target *a, const char *arch, unsigned int major,
			unsigned int minor, size_t mss)
{
	return a->major == major && a->minor == minor && a->module_struct_size == mss &&
	       (a->arch ? arch && !strcmp(a->arch, arch) : !arch);
}

/* kbtf_module_elf_check() of @m's image for @t, through @memo (may be NULL). */
static int elf_check(struct kbtf_elf_memo *memo, const struct kbtf_module *m,
		     const struct kbtf_elf_target *t, char *log, size_t logsz)
{
	char *arch = NULL;
	size_t i;
	int rc;

	if (!memo || logsz != sizeof(memo->e[0].log))
		return kbtf_module_elf_check(m->image.data, m->image.size, t, log, logsz);
	pthread_mutex_lock(&memo->lock);
	for (i = 0; i < memo->nr; i++) {
		if (same_target(t, memo->e[i].arch, memo->e[i].major, memo->e[i].minor,
				memo->e[i].module_struct_size)) {
			memcpy(log, memo->e[i].log, logsz);
			rc = memo->e[i].rc;
			pthread_mutex_unlock(&memo->lock);
			return rc;
		}
	}
	pthread_mutex_unlock(&memo->lock);
	rc = kbtf_module_elf_check(m->image.data, m->image.size, t, log, logsz);
	if (t->arch && !(arch = strdup(t->arch)))
		return rc; /* not remembered */
	pthread_mutex_lock(&memo->lock);
	for (i = 0; i < memo->nr; i++)
		if (same_target(t, memo->e[i].arch, memo->e[i].major, memo->e[i].minor,
				memo->e[i].module_struct_size))
			break; /* another thread was first */
	if (i == memo->nr && i < ELF_MEMO) {
		memo->e[i].arch = arch;
		memo->e[i].major = t->major;
		memo->e[i].minor = t->minor;
		memo->e[i].module_struct_size = t->module_struct_size;
		memo->e[i].rc = rc;
		memcpy(memo->e[i].log, log, logsz);
		memo->nr++;
		arch = NULL;
	}
	pthread_mutex_unlock(&memo->lock);
	free(arch);
	return rc;
}

/*
 * load_module() -> elf_validity_cache_copy() (elf_validity_check() before
 * 6.4): the module's ELF as this kernel's loader checks it, before any
 * section is used. A refusal is -ENOEXEC, whatever the config.
 */
static void judge_elf(const struct kbtf_pair *pair, struct kbtf_elf_findings *f)
{
	const struct kbtf_module *m = pair->m->mod;
	const struct kbtf_vkernel *k = pair->k;
	const struct kbtf_elf_target t = {
	    .arch = k->k->arch,
	    .major = k->major > 0 ? (unsigned int)k->major : 0,
	    .minor = k->major > 0 && k->minor >= 0 ? (unsigned int)k->minor : 0,
	    .module_struct_size = k->module_struct_size,
	};

	/* a module made in memory, not read from a file, has no ELF to check */
	if (!m->image.data || !elf_check(pair->m->elf_memo, m, &t, f->log, sizeof(f->log)))
		return;
	f->refused = true;
	if (k->k->arch && m->arch && strcmp(k->k->arch, m->arch) &&
	    !strncmp(f->log, "Invalid architecture", 20))
		snprintf(f->headline, sizeof(f->headline),
			 "the module is built for %s, the kernel is %s: the loader refuses it",
			 m->arch, k->k->arch);
	else
		snprintf(f->headline, sizeof(f->headline),
			 "the loader's ELF checks refuse the module: %s", f->log);
	kbtf_note_log(&f->notes, "%s", f->log);
}

/* ------------------------------------------------------------ the BTF step */

/*
 * btf_module_notify() -> btf_parse_module(): which way the kernel reads the
 * module's BTF, one judge per way.
 */
static void judge_btf(const struct kbtf_pair *pair, struct kbtf_btf_findings *f)
{
	const struct kbtf_module *m = pair->m->mod;

	if (!m->btf_data || !m->btf_size) {
		kbtf_note_warning(
		    &f->notes, KBTF_SEV_INFO, "no-btf", ".BTF",
		    "the module has no .BTF: the kernel has nothing to check (and BPF "
		    "tools see no types for it)");
		return;
	}
	if (pair->k->btf_modules == 0) {
		kbtf_note_warning(&f->notes, KBTF_SEV_INFO, "btf-ignored", ".BTF",
				  "this kernel is built without CONFIG_DEBUG_INFO_BTF_MODULES: it "
				  "ignores module BTF");
		return;
	}
	if (judge_archive(f, ".BTF", pair->m->blobs[1]) ||
	    judge_archive(f, ".BTF.base", pair->m->blobs[0])) {
		/* refused before a single type is read */
	} else if (!m->btf_base_data) {
		kbtf_judge_plain(pair, f);
	} else if (!pair->k->distilled_support) {
		/* what a kernel that reads .BTF.base would do, for the record;
		 * this one reads .BTF on its own vmlinux */
		kbtf_judge_relocation_anyway(pair, f);
		kbtf_judge_pre611(pair, f);
	} else if (pair->m->btf_error) {
		judge_malformed(pair, f);
	} else {
		kbtf_judge_relocation(pair, f);
	}
	if (f->fate == KBTF_BTF_FAILS)
		notify_failed(pair, f);
}

/*
 * A section holding @n BTF blobs back to back (per-object BTF a linker
 * concatenated): the kernel parses one blob per section and refuses the
 * bytes after it. True when @sec is such an archive.
 */
static bool judge_archive(struct kbtf_btf_findings *f, const char *sec, int n)
{
	struct kbtf_problem *p;
	char why[160];

	if (n < 2)
		return false;
	snprintf(why, sizeof(why), "%s is an archive of %d BTF blobs", sec, n);
	p = kbtf_note_problem(&f->notes, KBTF_PROBLEM_BTF, sec, "malformed");
	if (p) {
		p->kernel_first = true;
		kbtf_note_field(&f->notes, &p->expected, "one BTF blob in %s", sec);
		kbtf_note_field(&f->notes, &p->actual, "%s", why);
		kbtf_note_field(&f->notes, &p->detail,
				"The kernel parses one BTF per section and refuses bytes after its "
				"string section (\"Unsupported section found\"). Encode the "
				"module's BTF again as one deduplicated blob (kbtf build, or "
				"pahole -J); 'kbtf inspect' lists the blobs.");
	}
	kbtf_btf_decided(f, KBTF_VERDICT_BTF_REJECTED, KBTF_BTF_FAILS, -EINVAL, why);
	return true;
}

/* .BTF.base or .BTF that does not parse at all. */
static void judge_malformed(const struct kbtf_pair *pair, struct kbtf_btf_findings *f)
{
	struct kbtf_problem *p =
	    kbtf_note_problem(&f->notes, KBTF_PROBLEM_BTF, ".BTF", "malformed");

	if (p) {
		p->kernel_first = true;
		kbtf_note_field(&f->notes, &p->actual, "%s", pair->m->btf_error);
	}
	kbtf_btf_decided(f, KBTF_VERDICT_BTF_REJECTED, KBTF_BTF_FAILS, -EINVAL, pair->m->btf_error);
}

/* The lines btf_module_notify() prints when btf_parse_module() failed. */
static void notify_failed(const struct kbtf_pair *pair, struct kbtf_btf_findings *f)
{
	bool old = !pair->k->distilled_support;

	if (pair->k->allow_btf_mismatch == 1 && !old)
		kbtf_note_log(&f->notes,
			      "Kernel module BTF mismatch detected, BTF debug info may be "
			      "unavailable for some modules");
	else if (pair->k->allow_btf_mismatch != -1 || old)
		kbtf_note_log(&f->notes, "failed to validate module [%s] BTF: %d", pair->modname,
			      f->parse_err);
}

/* ------------------------------------------------------------ the verdict */

/*
 * load_module() (kernel/module/main.c) stops at the first check that
 * fails, so the first step with a finding decides, and the kernel's log
 * holds the lines of that step and of the steps before it, never of a
 * later one:
 *
 *   module_sig_check()           not judged by kbtf.
 *   (reading)                    kbtf could not read the module or the
 *                                kernel at all: "error", nothing else is
 *                                known.
 *   elf_validity_cache_copy()    the ELF header, section table, name
 *                                tables, .modinfo, the symbol table and
 *                                .gnu.linkonce.this_module as this
 *                                release checks them
 *                                (kbtf_module_elf_check()):
 *                                "elf-rejected", refused (-ENOEXEC).
 *   early_mod_check()
 *     check_modstruct_version()  module_layout's CRC: "symbols", refused
 *                                (-ENOEXEC) with its one line; a module
 *                                without __versions on a kernel that
 *                                cannot force it is refused here too, with
 *                                no line at all.
 *     check_modinfo()            vermagic (same_magic()): "symbols",
 *                                refused (-ENOEXEC), one line.
 *   simplify_symbols()           every undefined symbol, in symbol-table
 *                                order, through resolve_symbol_wait():
 *                                the loop does not stop at a failure, so
 *                                each failing symbol gets its lines
 *                                (check_version()'s or
 *                                verify_namespace_is_imported()'s, then
 *                                "Unknown symbol"): "symbols", refused.
 *   prepare_coming_module()      once the module is formed, the
 *     btf_module_notify()        MODULE_STATE_COMING notifier in
 *                                kernel/bpf/btf.c runs btf_parse_module()
 *                                (with btf_relocate() when the module has
 *                                .BTF.base and the kernel reads it, 6.11
 *                                on): the BTF step's own verdict. When the
 *                                parse fails, the notifier refuses the
 *                                load unless MODULE_ALLOW_BTF_MISMATCH=y,
 *                                which loads the module without BTF.
 *
 * A module refused for its symbols never gets its BTF parsed: its verdict
 * is "symbols" whatever the BTF step found (the report still lists those
 * problems: a build with the symbols fixed meets them next). Layout drift
 * is checked by no kernel and never changes the verdict. A member the
 * module's code touches that moved or changed on this kernel (its access
 * record, judge_access.c) is checked by no kernel either: a module that
 * otherwise loads fine is "layout-conflict", it loads and misbehaves.
 */
struct kbtf_outcome kbtf_verdict_combine(const struct kbtf_findings *f, int allow_btf_mismatch)
{
	enum kbtf_load load;

	if (f->unreadable)
		return (struct kbtf_outcome){KBTF_VERDICT_ERROR, KBTF_LOAD_UNKNOWN, KBTF_STEP_READ};
	if (f->elf.refused)
		return (struct kbtf_outcome){KBTF_VERDICT_ELF_REJECTED, KBTF_LOAD_REFUSED,
					     KBTF_STEP_ELF};
	if (f->sym.layout_mismatch || f->sym.unversioned)
		return (struct kbtf_outcome){KBTF_VERDICT_SYMBOLS, KBTF_LOAD_REFUSED,
					     KBTF_STEP_MODSTRUCT};
	if (f->sym.vermagic_mismatch)
		return (struct kbtf_outcome){KBTF_VERDICT_SYMBOLS, KBTF_LOAD_REFUSED,
					     KBTF_STEP_MODINFO};
	if (f->sym.unresolved)
		return (struct kbtf_outcome){KBTF_VERDICT_SYMBOLS, KBTF_LOAD_REFUSED,
					     KBTF_STEP_SYMBOLS};
	switch (f->btf.fate) {
	case KBTF_BTF_FAILS:
		load = allow_btf_mismatch == 1	 ? KBTF_LOAD_NO_BTF
		       : allow_btf_mismatch == 0 ? KBTF_LOAD_REFUSED
						 : KBTF_LOAD_NO_BTF_OR_REFUSED;
		break;
	case KBTF_BTF_MISREAD:
		load = KBTF_LOAD_WRONG_BTF;
		break;
	default:
		load = KBTF_LOAD_OK;
		break;
	}
	if (f->btf.verdict == KBTF_VERDICT_OK && f->access.nr_conflicts)
		return (struct kbtf_outcome){KBTF_VERDICT_LAYOUT_CONFLICT, load, KBTF_STEP_BTF};
	return (struct kbtf_outcome){f->btf.verdict, load, KBTF_STEP_BTF};
}

/* ------------------------------------------------------------ the result */

static const char *consequence(struct kbtf_outcome o, const struct kbtf_pair *pair)
{
	if (o.verdict == KBTF_VERDICT_LAYOUT_CONFLICT)
		return "The module loads (no kernel checks member offsets: relocation and CRCs "
		       "pass), and its code reads or writes kernel struct members at the offsets "
		       "of the kernel it was built for: on this one they hold other members. It "
		       "misbehaves or corrupts memory. Rebuild it against this kernel's headers.";
	if (o.verdict == KBTF_VERDICT_SYMBOLS)
		return "The module loader refuses the module: it cannot resolve or verify its "
		       "symbols (see the symbol problems).";
	if (o.verdict == KBTF_VERDICT_ELF_REJECTED)
		return "The module loader refuses the module before reading any of it: its ELF "
		       "checks fail (Exec format error). Rebuild the module; a file cut short "
		       "or changed after the build gives this too.";
	switch (o.load) {
	case KBTF_LOAD_OK:
		if (!pair->m->mod->btf_data)
			return "The module loads; it has no BTF.";
		if (!pair->m->mod->btf_base_data)
			return "The module loads; its plain split BTF is read on this kernel's "
			       "vmlinux, the one it was built for, and registered.";
		return "The module loads; its BTF is relocated onto this kernel and registered.";
	case KBTF_LOAD_NO_BTF:
		return "CONFIG_MODULE_ALLOW_BTF_MISMATCH=y: the module loads without BTF (no "
		       "/sys/kernel/btf entry, no BPF tracing of its types, its kfuncs are not "
		       "registered).";
	case KBTF_LOAD_REFUSED:
		return "CONFIG_MODULE_ALLOW_BTF_MISMATCH is not set: the kernel refuses to load "
		       "the module (Invalid argument).";
	case KBTF_LOAD_NO_BTF_OR_REFUSED:
		return "This kernel's config is unknown: with CONFIG_MODULE_ALLOW_BTF_MISMATCH=y "
		       "the module loads without BTF; without it the load is refused.";
	case KBTF_LOAD_WRONG_BTF:
		return "The kernel does not notice: the module loads and its BTF is registered "
		       "with wrong types; BPF programs and tools reading it misbehave.";
	default:
		return "unknown";
	}
}

/* What an ok summary says of the module's BTF: a distilled one is
 * relocated, a plain split one (built for this kernel) read as it is. */
static const char *btf_words(const struct kbtf_pair *pair, enum kbtf_load load)
{
	if (load != KBTF_LOAD_OK || !pair->m->mod->btf_data)
		return "";
	return pair->m->mod->btf_base_data ? ", BTF relocates" : ", BTF registered";
}

/* The words for where the load stops, and what did not run after it. */
static const char *stop_note(enum kbtf_step step)
{
	switch (step) {
	case KBTF_STEP_MODSTRUCT:
		return "The load stops at check_modstruct_version() (module_layout): vermagic, "
		       "the other symbols and the BTF are not checked on this kernel; problems "
		       "listed for them would also need fixing.";
	case KBTF_STEP_MODINFO:
		return "The load stops at check_modinfo() (vermagic): the symbols and the BTF "
		       "are not checked on this kernel; problems listed for them would also "
		       "need fixing.";
	case KBTF_STEP_SYMBOLS:
		return "The load stops after simplify_symbols(): the BTF is not checked on this "
		       "kernel; problems listed for it would also need fixing.";
	default:
		return "";
	}
}

/* The lines of @n, one per line, into *@dst. */
static void join_log(struct kbtf_rb *rb, char **dst, const struct kbtf_notes *n)
{
	size_t i, len = 1;
	char *s;

	for (i = 0; i < n->nr_log; i++)
		len += strlen(n->log[i]) + 1;
	s = malloc(len);
	if (!s) {
		rb->err = -ENOMEM;
		return;
	}
	*s = '\0';
	for (i = 0; i < n->nr_log; i++) {
		if (i)
			strcat(s, "\n");
		strcat(s, n->log[i]);
	}
	free(*dst);
	*dst = s;
}

/*
 * Every step's problems and warnings go into the result, in the kernel's
 * order; the kernel log gets the lines of the steps up to @decided only,
 * and kernel_first marks the first problem of the step that decided (for
 * the BTF step, the one its message names).
 */
static void take_notes(struct kbtf_rb *rb, struct kbtf_findings *f, enum kbtf_step decided)
{
	static const enum kbtf_step order[] = {
	    KBTF_STEP_ELF, KBTF_STEP_MODSTRUCT, KBTF_STEP_MODINFO, KBTF_STEP_SYMBOLS,
	    KBTF_STEP_BTF, KBTF_STEP_BTF,	KBTF_STEP_BTF};
	struct kbtf_notes *notes[] = {&f->elf.notes,   &f->sym.layout, &f->sym.modinfo,
				      &f->sym.notes,   &f->btf.notes,  &f->drift.notes,
				      &f->access.notes};
	size_t i, j;

	/* what btf_module_notify() prints once a load gets that far: a forced
	 * one (boot-test --force) skips the modversions and vermagic checks */
	join_log(rb, &rb->r->btf_log, &f->btf.notes);
	for (i = 0; i < sizeof(notes) / sizeof(notes[0]); i++) {
		struct kbtf_notes *n = notes[i];

		for (j = 0; j < n->nr_problems; j++) {
			if (order[i] == KBTF_STEP_BTF)
				n->problems[j].kernel_first &= decided == KBTF_STEP_BTF;
			else
				n->problems[j].kernel_first = order[i] == decided && !j;
		}
		kbtf_rb_take(rb, n, order[i] <= decided);
	}
}

/*
 * The only writer of a result's verdict and load outcome, its kernel log,
 * and of the summary and consequence that say them in words. @pair is
 * NULL when the pair could not be judged (f->unreadable).
 */
static void conclude(struct kbtf_rb *rb, struct kbtf_findings *f, const struct kbtf_pair *pair)
{
	struct kbtf_result *r = rb->r;
	const struct kbtf_outcome o =
	    kbtf_verdict_combine(f, pair ? pair->k->allow_btf_mismatch : -1);
	size_t nsym, nbtf, nwarn;

	r->verdict = o.verdict;
	r->load = o.load;
	if (o.verdict == KBTF_VERDICT_ERROR || !pair) {
		kbtf_rb_set(rb, &r->summary, "%s", f->unreadable ? f->unreadable : "");
		return;
	}
	take_notes(rb, f, o.step);
	if (o.verdict != KBTF_VERDICT_ELF_REJECTED)
		set_unchecked(r, pair);
	nsym = kbtf_result_count(r, KBTF_PROBLEM_SYMBOL);
	nbtf = kbtf_result_count(r, KBTF_PROBLEM_BTF);
	nwarn = kbtf_result_warnings(r, KBTF_SEV_WARNING);
	kbtf_rb_set(rb, &r->kernel_log_note, "%s%s%s", stop_note(o.step),
		    *stop_note(o.step) && *kbtf_klog_once_note(r->kernel_log) ? " " : "",
		    kbtf_klog_once_note(r->kernel_log));
	kbtf_rb_set(rb, &r->consequence, "%s", consequence(o, pair));
	switch (o.verdict) {
	case KBTF_VERDICT_SYMBOLS:
		/* the BTF step's finding, else the first member that moved */
		kbtf_rb_set(rb, &r->summary, "%zu symbol problem%s%s%s", nsym, nsym == 1 ? "" : "s",
			    nbtf ? (f->btf.headline[0] ? "; BTF: " : "; layout: ") : "",
			    !nbtf		 ? ""
			    : f->btf.headline[0] ? f->btf.headline
						 : f->access.headline);
		break;
	case KBTF_VERDICT_ELF_REJECTED:
		kbtf_rb_set(rb, &r->summary, "%s", f->elf.headline);
		break;
	case KBTF_VERDICT_BTF_REJECTED:
	case KBTF_VERDICT_NO_DISTILLED:
		kbtf_rb_set(rb, &r->summary, "%s%s", f->btf.headline,
			    nbtf > 1 ? " (and more)" : "");
		break;
	case KBTF_VERDICT_LAYOUT_CONFLICT:
		kbtf_rb_set(rb, &r->summary, "%s%s", f->access.headline,
			    f->access.nr_conflicts > 1 ? " (and more)" : "");
		break;
	default:
		kbtf_rb_set(rb, &r->summary, "loads%s; %zu warning%s%s%s%s%s%s%s",
			    btf_words(pair, r->load), nwarn, nwarn == 1 ? "" : "s",
			    r->unchecked & KBTF_UNCHECKED_SAID ? "; not checked: " : "",
			    r->unchecked & KBTF_UNCHECKED_SYMBOLS ? "symbols" : "",
			    r->unchecked & KBTF_UNCHECKED_SYMBOLS &&
				    r->unchecked & (KBTF_UNCHECKED_VERMAGIC | KBTF_UNCHECKED_ARCH)
				? ", "
				: "",
			    r->unchecked & KBTF_UNCHECKED_VERMAGIC ? "vermagic" : "",
			    r->unchecked & KBTF_UNCHECKED_VERMAGIC &&
				    r->unchecked & KBTF_UNCHECKED_ARCH
				? ", "
				: "",
			    r->unchecked & KBTF_UNCHECKED_ARCH ? "arch" : "");
		break;
	}
}

/*
 * What the verdict could not take into account: the symbol steps without
 * an export list (module_layout, every import and CRC), vermagic without
 * the kernel's config, layout drift without a build-time layout. Turned
 * off with --no-symbols, they are also "skipped".
 */
static void set_unchecked(struct kbtf_result *r, const struct kbtf_pair *pair)
{
	size_t i;

	if (pair->o->no_symbols) {
		r->unchecked |= KBTF_UNCHECKED_SYMBOLS;
		r->skipped |= KBTF_UNCHECKED_SYMBOLS;
		if (pair->m->mod->vermagic) {
			r->unchecked |= KBTF_UNCHECKED_VERMAGIC;
			r->skipped |= KBTF_UNCHECKED_VERMAGIC;
		}
	} else {
		if (!pair->k->symvers)
			r->unchecked |= KBTF_UNCHECKED_SYMBOLS;
		if (pair->m->mod->vermagic && !pair->k->vermagic)
			r->unchecked |= KBTF_UNCHECKED_VERMAGIC;
	}
	/* matrix.c pairs a kernel of unknown architecture with every module */
	if (!pair->m->mod->arch || !pair->k->k->arch)
		r->unchecked |= KBTF_UNCHECKED_ARCH;
	for (i = 0; i < r->nr_warnings; i++)
		if (!strcmp(r->warnings[i].kind, "drift-not-checked"))
			r->unchecked |= KBTF_UNCHECKED_LAYOUT;
}

static void set_layers(struct kbtf_rb *rb, const struct kbtf_kernel *k)
{
	struct kbtf_result *r = rb->r;
	size_t i;

	if (!k->nr_layers)
		return;
	r->layers = calloc(k->nr_layers, sizeof(*r->layers));
	if (!r->layers) {
		rb->err = -ENOMEM;
		return;
	}
	/* an archive's layers are part of the source as given */
	for (i = 0; i < k->nr_layers; i++)
		if (!k->layers[i].in_archive)
			kbtf_rb_set(rb, &r->layers[r->nr_layers++], "%s", k->layers[i].from);
}

/* What the result says about the pair itself, before any finding. */
static void init_result(struct kbtf_rb *rb, const struct kbtf_pair *pair)
{
	struct kbtf_result *r = rb->r;
	const struct kbtf_module *m = pair->m->mod;

	kbtf_rb_set(rb, &r->module, "%s", pair->m->path);
	kbtf_rb_set(rb, &r->module_name, "%s", pair->modname);
	kbtf_rb_set(rb, &r->source, "%s", pair->k->source);
	if (pair->k->k->release)
		kbtf_rb_set(rb, &r->release, "%s", pair->k->k->release);
	set_layers(rb, pair->k->k);
	kbtf_rb_set(rb, &r->btf_form, "%s",
		    !m->btf_data       ? "none"
		    : m->btf_base_data ? "distilled"
				       : "split");
	kbtf_rb_set(rb, &r->kernel_log, "%s", "");
	r->allow_btf_mismatch = pair->k->allow_btf_mismatch;
	if (pair->m->release)
		kbtf_rb_set(rb, &r->module_release, "%s", pair->m->release);
	if (m->arch)
		kbtf_rb_set(rb, &r->module_arch, "%s", m->arch);
	if (pair->k->k->arch)
		kbtf_rb_set(rb, &r->kernel_arch, "%s", pair->k->k->arch);
	if (pair->k->symvers_from)
		kbtf_rb_set(rb, &r->symbols_from, "%s", pair->k->symvers_from);
}

int kbtf_result_error(struct kbtf_result *r, const char *module, const char *source,
		      const char *why)
{
	struct kbtf_findings f = {.unreadable = why ? why : "could not be read"};
	struct kbtf_rb rb = {.r = r};

	memset(r, 0, sizeof(*r));
	r->allow_btf_mismatch = -1;
	r->reloc_err = -1;
	kbtf_rb_set(&rb, &r->module, "%s", module ? module : "");
	kbtf_rb_set(&rb, &r->source, "%s", source ? source : "");
	conclude(&rb, &f, NULL);
	if (rb.err) {
		kbtf_result_fini(r);
		return -ENOMEM;
	}
	return 0;
}
