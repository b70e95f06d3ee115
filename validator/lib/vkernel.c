// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * A kernel prepared once for many validations: its BTF parsed and indexed
 * for relocation, its export list loaded, and the facts the verdict needs
 * (version, .BTF.base support, the config options that change what a load
 * failure means). Read-only afterwards.
 *
 * A stored profile with a prepared index (profile_index.h) is prepared
 * from the index alone: no BTF, config or Module.symvers is parsed until a
 * judge asks for the BTF (kbtf_vkernel_btf()), and then the profile is
 * opened the full way once and checked against the index's BTF hash.
 */
#include <endian.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "btf_prepared.h"
#include "kbtf/err.h"
#include "kernel_gen.h"
#include "profile.h"
#include "profile_index.h"
#include "relocate.h"
#include "kbtf/validate.h"
#include "prepared.h"
#include "util.h"

/* What a kernel prepared from an index opens on demand. */
struct vkernel_lazy {
	pthread_mutex_t mutex;
	char *dir;		   /* the profile */
	struct kbtf_kernel shell;  /* what vk->k points to: source, release, arch */
	struct kbtf_kernel *full;  /* the profile opened the full way */
	struct kbtf_buf raw;	   /* or its btf file, for the prepared BTF */
	struct kbtf_btf *prepared; /* its records checked as they are read */
	struct kbtf_btf *btf;	   /* published with release order */
	int err;		   /* the first failure, kept for every later caller */
	char why[512];
};

static bool config_known(const struct kbtf_vkernel *vk)
{
	return vk->ix ? kbtf_pindex_has_config(vk->ix) : vk->k->config != NULL;
}

/* -1 unknown (no config), 0 not set, 1 =y */
static int config_bool(const struct kbtf_vkernel *vk, const char *name)
{
	char buf[64];
	const char *v;

	if (!config_known(vk))
		return -1;
	if (vk->ix)
		v = kbtf_pindex_config(vk->ix, name);
	else
		v = kbtf_kernel_config(vk->k, name, buf, sizeof(buf));
	return v && !strcmp(v, "y");
}

static void parse_version(struct kbtf_vkernel *vk)
{
	unsigned int major, minor;

	vk->major = vk->minor = -1;
	if (!kbtf_kgen_parse_release(vk->k->release, &major, &minor) && major <= INT_MAX &&
	    minor <= INT_MAX) {
		vk->major = (int)major;
		vk->minor = (int)minor;
	}
}

/*
 * sizeof(struct module) on this kernel, which the loader of 6.4 on wants
 * .gnu.linkonce.this_module to be (elf_validity_cache_copy()); 0 when the
 * BTF does not say it once.
 */
static void module_struct_size(struct kbtf_vkernel *vk)
{
	const struct btf_type *t;
	uint32_t id;

	if (vk->ix) {
		vk->module_struct_size = kbtf_pindex_module_struct_size(vk->ix);
		return;
	}
	if (kbtf_btf_find_by_name_all(vk->btf, "module", BTF_KIND_STRUCT, &id, 1) != 1)
		return;
	t = kbtf_btf_type(vk->btf, id);
	if (t)
		vk->module_struct_size = t->size;
}

/* Is there a type @name of @kind in @btf? One walk; used only when the
 * release string is unknown. */
static bool has_type(const struct kbtf_btf *btf, const char *name, uint32_t kind)
{
	uint32_t id, n = kbtf_btf_type_cnt(btf);

	for (id = 1; id < n; id++) {
		const struct btf_type *t = kbtf_btf_type(btf, id);
		const char *s;

		if (kbtf_kind(t) != kind || !t->name_off)
			continue;
		s = kbtf_btf_str(btf, t->name_off);
		if (s && !strcmp(s, name))
			return true;
	}
	return false;
}

/* Does the kernel read .BTF.base? The release says (kernel_gen.h); without
 * one, look for the kernel's copy of btf_relocate(), which came with it. */
static int decide_distilled(struct kbtf_vkernel *vk)
{
	int reads = kbtf_kgen_release_reads_btf_base(vk->k->release);
	int n;

	if (reads >= 0) {
		vk->distilled_support = reads;
		n = asprintf(&vk->distilled_support_why, "release %s is %s %s", vk->k->release,
			     reads ? "at least" : "older than", kbtf_kgen_btf_base_since());
	} else {
		vk->distilled_support = vk->ix ? kbtf_pindex_has_btf_relocate(vk->ix)
					       : has_type(vk->btf, "btf_relocate", BTF_KIND_FUNC);
		n = asprintf(&vk->distilled_support_why,
			     "release unknown; vmlinux BTF %s function btf_relocate",
			     vk->distilled_support ? "has" : "has no");
	}
	if (n < 0) {
		vk->distilled_support_why = NULL;
		return kbtf_err_nomem();
	}
	return 0;
}

/*
 * The kernel's VERMAGIC_STRING (include/linux/vermagic.h) rebuilt from its
 * release and config. Only for x86_64, whose MODULE_ARCH_VERMAGIC is
 * empty, and without RANDSTRUCT, whose seed hash is not in the config.
 */
static int derive_vermagic(struct kbtf_vkernel *vk)
{
	const struct kbtf_kernel *k = vk->k;
	const char *preempt = "";

	if (!config_known(vk) || !k->release || config_bool(vk, "X86_64") != 1 ||
	    config_bool(vk, "RANDSTRUCT_FULL") == 1 ||
	    config_bool(vk, "RANDSTRUCT_PERFORMANCE") == 1)
		return 0;
	if (config_bool(vk, "PREEMPT_BUILD") == 1)
		preempt = "preempt ";
	else if (config_bool(vk, "PREEMPT_RT") == 1)
		preempt = "preempt_rt ";
	if (asprintf(&vk->vermagic, "%s %s%s%s%s", k->release,
		     config_bool(vk, "SMP") == 1 ? "SMP " : "", preempt,
		     config_bool(vk, "MODULE_UNLOAD") == 1 ? "mod_unload " : "",
		     vk->modversions == 1 ? "modversions " : "") < 0) {
		vk->vermagic = NULL;
		return kbtf_err_nomem();
	}
	return 0;
}

/*
 * No Module.symvers came with the kernel: the image's own __ksymtab and
 * __kcrctab (kernel_exports.c), alone, or followed by its in-tree modules'
 * exports (kernel_modexports.c), which makes the list complete.
 */
static int image_symvers_from(struct kbtf_vkernel *vk)
{
	int n;

	vk->exports_vmlinux_only = !vk->k->module_exports;
	vk->exports_derived = vk->k->module_exports != 0;
	if (vk->k->module_exports)
		n = asprintf(&vk->symvers_from,
			     "Module.symvers derived from the boot image's export table (%zu "
			     "vmlinux exports) and the in-tree modules' (%zu exports)",
			     vk->k->image_exports, vk->k->module_exports);
	else
		n = asprintf(&vk->symvers_from,
			     "the boot image's export table (%zu vmlinux exports; no "
			     "Module.symvers)",
			     vk->k->image_exports);
	if (n < 0) {
		vk->symvers_from = NULL;
		return kbtf_err_nomem();
	}
	return 0;
}

static int load_symvers(struct kbtf_vkernel *vk, const struct kbtf_vkernel_opts *opts)
{
	const char *path = opts && opts->symvers ? opts->symvers : vk->k->symvers_path;
	int err;

	if (!path || (opts && opts->no_symbols))
		return 0;
	err = kbtf_symvers_load_wanted(path, opts ? opts->wanted : NULL, &vk->symvers);
	if (err)
		return kbtf_err_prefix(err, "Module.symvers");
	if (path == vk->k->symvers_path && vk->k->image_exports) {
		err = image_symvers_from(vk);
		if (err)
			return err;
	} else {
		vk->symvers_from = strdup(path);
	}
	return vk->symvers_from ? 0 : kbtf_err_nomem();
}

/* The facts both ways of preparing share, once the BTF or index is there. */
static int prepare_facts(struct kbtf_vkernel *vk)
{
	int err;

	parse_version(vk);
	module_struct_size(vk);
	err = decide_distilled(vk);
	if (err)
		return err;
	vk->allow_btf_mismatch = config_bool(vk, "MODULE_ALLOW_BTF_MISMATCH");
	vk->btf_modules = config_bool(vk, "DEBUG_INFO_BTF_MODULES");
	vk->modversions = config_bool(vk, "MODVERSIONS");
	vk->force_load = config_bool(vk, "MODULE_FORCE_LOAD");
	vk->allow_missing_ns = config_bool(vk, "MODULE_ALLOW_MISSING_NAMESPACE_IMPORTS");
	vk->module_sig = config_bool(vk, "MODULE_SIG");
	return derive_vermagic(vk);
}

static int prepare(struct kbtf_vkernel *vk, const struct kbtf_vkernel_opts *opts)
{
	struct kbtf_kernel *k = vk->k;
	int err;

	vk->source = strdup(k->source ? k->source : "kernel");
	if (!vk->source)
		return kbtf_err_nomem();
	vk->btf = kbtf_kernel_btf_stack(k);
	if (!vk->btf)
		return -EINVAL; /* kbtf_errstr() says why */
	vk->btf_hash = kbtf_kernel_btf_hash(k);
	err = kbtf_reloc_target_new(vk->btf, &vk->target);
	if (err)
		return err;
	err = prepare_facts(vk);
	if (err)
		return err;
	return load_symvers(vk, opts);
}

/* ------------------------------------------------------ from an index */

/* Would @s's line parse back as @s (kbtf_pindex_sym_print(), then the parser)? */
static bool sym_line_plain(const struct kbtf_pindex_sym *s)
{
	const char *f[] = {s->name, s->module, s->type, s->ns ? s->ns : ""};
	size_t i;

	/* a namespace is the last field only after an EXPORT_* type (>= 5.10) */
	if (!*s->name || (s->ns && strncmp(s->type, "EXPORT_", 7)))
		return false;
	for (i = 0; i < 4; i++)
		if (strpbrk(f[i], "\t\n"))
			return false;
	return true;
}

/*
 * The lines of Module.symvers that @wanted names, from the index, added as
 * the parser would add their lines (no text made and parsed again): 1
 * when a line is not plain (sym_line_plain()), for the text way to say
 * what it makes of it.
 */
static int symvers_of_wanted(struct kbtf_vkernel *vk, const struct kbtf_symvers *wanted,
			     const char *path)
{
	struct kbtf_pindex_sym sym;
	struct kbtf_symvers *sv;
	size_t i;
	int err = kbtf_symvers_new_named(path, kbtf_symvers_count(wanted), &sv);

	if (err)
		return err;
	for (i = 0; i < kbtf_symvers_count(wanted); i++) {
		if (!kbtf_pindex_symbol(vk->ix, kbtf_symvers_at(wanted, i)->name, &sym))
			continue;
		err = sym_line_plain(&sym) ? kbtf_symvers_add(sv, sym.name, sym.crc, sym.module,
							      sym.type, sym.ns ? sym.ns : "")
					   : 1;
		if (err) {
			kbtf_symvers_free(sv);
			return err;
		}
	}
	vk->symvers = sv;
	return 0;
}

/*
 * The lines of Module.symvers the module needs, rebuilt from the index's
 * symbol table and parsed by the one Module.symvers parser. Anything unusual (no wanted list, a
 * line the parser refuses) reads the file the full way, which also words the error exactly as
 * without an index.
 */
static int load_symvers_index(struct kbtf_vkernel *vk, const struct kbtf_vkernel_opts *opts)
{
	const struct kbtf_symvers *wanted = opts ? opts->wanted : NULL;
	char path[PATH_MAX], *text = NULL;
	struct kbtf_pindex_sym sym;
	size_t len = 0, i;
	FILE *f;
	int err;

	if ((opts && opts->no_symbols) || !kbtf_pindex_has_symvers(vk->ix))
		return 0;
	if (snprintf(path, sizeof(path), "%s/%s", vk->lazy->dir, KBTF_PROFILE_SYMVERS) >=
	    (int)sizeof(path))
		return kbtf_err(-ENAMETOOLONG, "%s: path too long", vk->lazy->dir);
	if (vk->k->image_exports) {
		/* as load_symvers(): the image's own __ksymtab/__kcrctab, stored */
		err = image_symvers_from(vk);
		if (err)
			return err;
	} else {
		vk->symvers_from = strdup(path);
	}
	if (!vk->symvers_from)
		return kbtf_err_nomem();
	if (wanted && kbtf_pindex_symvers_indexed(vk->ix)) {
		err = symvers_of_wanted(vk, wanted, path);
		if (err <= 0)
			return err;
		f = open_memstream(&text, &len);
		if (!f)
			return kbtf_err_nomem();
		for (i = 0; i < kbtf_symvers_count(wanted); i++)
			if (kbtf_pindex_symbol(vk->ix, kbtf_symvers_at(wanted, i)->name, &sym))
				kbtf_pindex_sym_print(f, &sym);
		if (fclose(f)) {
			free(text);
			return kbtf_err_nomem();
		}
		err = kbtf_symvers_parse(text, len, path, &vk->symvers);
		free(text);
		if (!err)
			return 0;
		kbtf_err_clear();
	}
	if (!kbtf_is_file(path) && kbtf_pindex_symvers_indexed(vk->ix)) {
		/* the profile keeps Module.symvers in its index alone: every line */
		f = open_memstream(&text, &len);
		if (!f)
			return kbtf_err_nomem();
		for (i = 0; i < kbtf_pindex_nr_syms(vk->ix); i++)
			if (!kbtf_pindex_sym_at(vk->ix, (uint32_t)i, &sym) ||
			    kbtf_pindex_sym_print(f, &sym) < 0)
				break;
		if (fclose(f) || i < kbtf_pindex_nr_syms(vk->ix)) {
			free(text);
			return kbtf_pindex_damaged(vk->ix) ? kbtf_vkernel_check(vk)
							   : kbtf_err_nomem();
		}
		err = kbtf_symvers_parse(text, len, path, &vk->symvers);
		free(text);
		return err ? kbtf_err_prefix(err, "Module.symvers") : 0;
	}
	err = kbtf_symvers_load_wanted(path, wanted, &vk->symvers);
	return err ? kbtf_err_prefix(err, "Module.symvers") : 0;
}

/*
 * @source as a stored profile directory whose index may answer: a
 * directory with a marker, or a bare name that is no file but a stored
 * profile (what kbtf_kernel_open() would open). Profiles with stacked
 * layers are read the full way (a report names each layer's file).
 */
static bool profile_dir_of(const char *source, char *dir, size_t len)
{
	char path[PATH_MAX];
	struct kbtf_store *s;
	bool ok = false;

	if (kbtf_is_dir(source) && kbtf_profile_is_dir(source)) {
		ok = snprintf(dir, len, "%s", source) < (int)len;
	} else if (!strchr(source, '/') && access(source, F_OK) < 0 && !kbtf_store_open(NULL, &s)) {
		ok = !kbtf_profile_name_check(source) &&
		     !kbtf_store_profile_dir(s, source, dir, len) && kbtf_is_dir(dir) &&
		     kbtf_profile_is_dir(dir);
		kbtf_store_free(s);
	}
	kbtf_err_clear();
	if (!ok ||
	    snprintf(path, sizeof(path), "%s/%s1", dir, KBTF_PROFILE_LAYER) >= (int)sizeof(path))
		return false;
	return !kbtf_is_file(path);
}

static int prepare_index(struct kbtf_vkernel *vk, const char *source, const char *dir,
			 const struct kbtf_vkernel_opts *opts)
{
	struct vkernel_lazy *l = calloc(1, sizeof(*l));
	const char *rel = kbtf_pindex_release(vk->ix), *arch = kbtf_pindex_arch(vk->ix);
	struct kbtf_profile_info info;
	int err;

	if (!l)
		return kbtf_err_nomem();
	vk->lazy = l;
	pthread_mutex_init(&l->mutex, NULL);
	l->dir = strdup(dir);
	l->shell.source = strdup(source);
	l->shell.format = KBTF_FMT_PROFILE;
	if (rel)
		l->shell.release = strdup(rel);
	if (arch)
		l->shell.arch = strdup(arch);
	if (asprintf(&l->shell.kabi_path, "%s/%s", dir, KBTF_PROFILE_KABI) < 0)
		l->shell.kabi_path = NULL;
	else if (!kbtf_is_file(l->shell.kabi_path)) {
		free(l->shell.kabi_path);
		l->shell.kabi_path = NULL;
	}
	vk->source = strdup(source);
	if (!l->dir || !l->shell.source || !vk->source || (rel && !l->shell.release) ||
	    (arch && !l->shell.arch))
		return kbtf_err_nomem();
	vk->k = &l->shell;
	/* the marker says whether Module.symvers is the image's export table */
	if (!kbtf_profile_read_info(dir, &info) && info.has_symvers) {
		l->shell.image_exports = info.symvers_image;
		l->shell.module_exports = info.symvers_modules;
	}
	kbtf_err_clear();
	vk->btf_hash = kbtf_pindex_btf_hash(vk->ix);
	err = kbtf_reloc_target_from_index(vk->ix, &vk->target);
	if (!err)
		err = prepare_facts(vk);
	if (!err)
		err = load_symvers_index(vk, opts);
	if (!err)
		err = kbtf_vkernel_check(vk);
	return err;
}

static void lazy_free(struct vkernel_lazy *l)
{
	if (!l)
		return;
	kbtf_btf_free(l->prepared);
	kbtf_buf_release(&l->raw);
	kbtf_kernel_free(l->full);
	free(l->dir);
	free(l->shell.source);
	free(l->shell.release);
	free(l->shell.arch);
	free(l->shell.kabi_path);
	pthread_mutex_destroy(&l->mutex);
	free(l);
}

/* The index's type offsets, checked a block at a time as the BTF reads them. */
static bool offs_ok(const void *ix, uint32_t first, uint32_t n)
{
	return kbtf_pindex_type_offs_ok(ix, first, n);
}

/*
 * The profile's BTF with the index's type offsets: nothing walked, each
 * record checked when first read. 1 when the index cannot do it (no
 * offsets, a BTF of the other byte order): then the full way.
 */
static int lazy_prepared(struct kbtf_vkernel *vk)
{
	struct vkernel_lazy *l = vk->lazy;
	const uint32_t *offs;
	uint32_t nr;
	int err;

	offs = kbtf_pindex_type_offs(vk->ix, &nr);
	if (kbtf_pindex_damaged(vk->ix))
		return kbtf_vkernel_check(vk); /* says why */
	if ((uintptr_t)offs % 4)
		return 1;
	/* a BTF stored as a delta: each record rebuilt when first read, found
	 * through the delta (its index has no offsets); else by the offsets */
	if (!offs)
		nr = kbtf_pindex_type_cnt(vk->ix) - 1;
	err = kbtf_profile_prepared_btf(l->dir, offs, nr, l->shell.source, &l->raw, &l->prepared);
	if (err == -ENOTSUP) {
		kbtf_err_clear();
		return 1;
	}
	if (err)
		return err;
	if (offs)
		kbtf_btf_prepared_check_offs(l->prepared, offs_ok, vk->ix);
	__atomic_store_n(&l->btf, l->prepared, __ATOMIC_RELEASE);
	return 0;
}

/* Open the profile the full way and check it is what the index was built from. */
static int lazy_open(struct kbtf_vkernel *vk)
{
	struct vkernel_lazy *l = vk->lazy;
	struct kbtf_btf *btf;
	int err;

	if (htole32(1) == 1 && (err = lazy_prepared(vk)) <= 0)
		return err;
	err = kbtf_kernel_open(l->dir, NULL, &l->full);
	if (err)
		return kbtf_err_prefix(err, "%s", l->dir);
	btf = kbtf_kernel_btf_stack(l->full);
	if (!btf)
		return kbtf_err_prefix(-EINVAL, "%s", l->dir);
	if (kbtf_kernel_btf_hash(l->full) != vk->btf_hash)
		return kbtf_err(-ESTALE,
				"%s: stale kernel index (its BTF is not the one indexed); "
				"rebuild it with 'kbtf kernels add --force %s'",
				l->dir, l->dir);
	err = kbtf_btf_index_names_all(btf);
	if (err)
		return err;
	__atomic_store_n(&l->btf, btf, __ATOMIC_RELEASE);
	return 0;
}

const struct kbtf_btf *kbtf_vkernel_btf(const struct kbtf_vkernel *vk)
{
	struct vkernel_lazy *l = vk->lazy;
	struct kbtf_btf *btf;

	if (!l)
		return vk->btf;
	btf = __atomic_load_n(&l->btf, __ATOMIC_ACQUIRE);
	if (btf)
		return btf;
	pthread_mutex_lock(&l->mutex);
	if (!l->btf && !l->err) {
		/* the index's kernel is shared read-only; only the lazy part changes */
		l->err = lazy_open((struct kbtf_vkernel *)vk);
		if (l->err)
			snprintf(l->why, sizeof(l->why), "%s", kbtf_errstr());
	}
	btf = l->btf;
	if (!btf)
		kbtf_err(l->err, "%s", l->why);
	pthread_mutex_unlock(&l->mutex);
	return btf;
}

int kbtf_vkernel_check(const struct kbtf_vkernel *vk)
{
	const struct vkernel_lazy *l = vk->lazy;

	if (vk->ix && kbtf_pindex_damaged(vk->ix)) {
		char hint[PATH_MAX + 160];

		return kbtf_err(-EINVAL, "%s: damaged kernel index (a checksum failed on use); %s",
				l->dir, kbtf_pindex_rebuild_hint(l->dir, hint, sizeof(hint)));
	}
	if (!l || !l->prepared || !kbtf_btf_damaged(l->prepared))
		return 0;
	return kbtf_err(-EINVAL,
			"%s: damaged kernel profile (a BTF record does not match its index); "
			"store the kernel again from its package ('kbtf kernels add --force')",
			l->dir);
}

bool kbtf_vkernel_needs_btf(const struct kbtf_vmod *m, const struct kbtf_vkernel *k,
			    const struct kbtf_validate_opts *o)
{
	if (!k->lazy)
		return false; /* parsed at preparation */
	/* relocation of a distilled module is all the index answers */
	return !m->dist || !k->distilled_support || m->layout || m->access || (o && o->build_btf);
}

bool kbtf_vkernel_layout_digest(const void *vk, const char *name, uint32_t id, uint64_t *out)
{
	const struct kbtf_pindex *ix = ((const struct kbtf_vkernel *)vk)->ix;

	*out = 0;
	return ix && kbtf_pindex_digest(ix, name, id, out);
}

int kbtf_vkernel_find_type(const struct kbtf_vkernel *vk, const char *name, int kind, uint32_t *ids,
			   int max)
{
	const struct kbtf_pindex_cand *c;
	uint32_t n, i;
	int found = 0;

	if (!vk->ix) {
		const struct kbtf_btf *btf = kbtf_vkernel_btf(vk);

		/* indexed by name at preparation, so the cast only reads */
		return btf ? kbtf_btf_find_by_name_all((struct kbtf_btf *)btf, name, kind, ids, max)
			   : 0;
	}
	n = kbtf_pindex_cands(vk->ix, name, &c);
	for (i = 0; i < n; i++) {
		if (kind >= 0 && (uint32_t)kind != ((le32toh(c[i].info) >> 24) & 0x7f))
			continue;
		if (found < max)
			ids[found] = le32toh(c[i].id);
		found++;
	}
	return found;
}

int kbtf_vkernel_from_kernel(struct kbtf_kernel *k, const struct kbtf_vkernel_opts *opts,
			     struct kbtf_vkernel **out)
{
	struct kbtf_vkernel *vk = calloc(1, sizeof(*vk));
	int err;

	*out = NULL;
	if (!vk)
		return kbtf_err_nomem();
	vk->k = k;
	err = prepare(vk, opts);
	if (err) {
		kbtf_vkernel_free(vk);
		return err;
	}
	*out = vk;
	return 0;
}

/* A stored profile with an index: 1 when prepared from it, 0 when there is none. */
static int open_indexed(const char *source, const struct kbtf_vkernel_opts *opts,
			struct kbtf_vkernel **out)
{
	struct kbtf_vkernel *vk;
	struct kbtf_pindex *ix;
	char dir[PATH_MAX];
	int err;

	if ((opts && (opts->symvers || opts->layers.nr)) ||
	    !profile_dir_of(source, dir, sizeof(dir)))
		return 0;
	err = kbtf_pindex_open(dir, &ix);
	if (err == -ENOENT)
		return 0; /* a profile from before indexes: the full way */
	if (err)
		return err; /* damaged or stale: never trusted */
	vk = calloc(1, sizeof(*vk));
	if (!vk) {
		kbtf_pindex_free(ix);
		return kbtf_err_nomem();
	}
	vk->ix = ix;
	err = prepare_index(vk, source, dir, opts);
	if (err) {
		kbtf_vkernel_free(vk);
		return err;
	}
	*out = vk;
	return 1;
}

int kbtf_vkernel_open(const char *source, const struct kbtf_vkernel_opts *opts,
		      struct kbtf_vkernel **out)
{
	struct kbtf_kernel_opts ko = {0};
	struct kbtf_kernel *k;
	size_t i;
	int err;

	*out = NULL;
	err = open_indexed(source, opts, out);
	if (err)
		return err < 0 ? err : 0;
	if (opts) {
		ko.work_dir = opts->work_dir;
		ko.symvers = opts->symvers;
	}
	err = kbtf_kernel_open(source, &ko, &k);
	if (err)
		return err;
	for (i = 0; !err && opts && i < opts->layers.nr; i++)
		err = kbtf_kernel_add_layer(k, opts->layers.paths[i]);
	if (!err)
		err = kbtf_vkernel_from_kernel(k, opts, out);
	if (err) {
		kbtf_kernel_free(k);
		return err;
	}
	(*out)->own_k = true;
	return 0;
}

void kbtf_vkernel_free(struct kbtf_vkernel *vk)
{
	if (!vk)
		return;
	kbtf_reloc_target_free(vk->target);
	kbtf_symvers_free(vk->symvers);
	free(vk->symvers_from);
	free(vk->vermagic);
	free(vk->distilled_support_why);
	free(vk->source);
	if (vk->own_k)
		kbtf_kernel_free(vk->k);
	lazy_free(vk->lazy);
	kbtf_pindex_free(vk->ix);
	free(vk);
}
