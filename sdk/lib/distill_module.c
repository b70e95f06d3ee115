// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Distilling a module file end to end: read (decompress, cut the
 * signature), get split BTF (from .BTF, or pahole from DWARF), check it was
 * built on the given base, distill, patch .BTF_ids into distilled space,
 * add the layout record, write the sections with libelf, re-sign,
 * re-compress, replace the file atomically.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "btf_ids.h"
#include "cleanup.h"
#include "kbtf/check.h"
#include "kbtf/distill.h"
#include "elf_write.h"
#include "kbtf/err.h"
#include "kernel_gen.h"
#include "distill_origin.h"
#include "distill_pahole.h"
#include "distill_redistill.h"
#include "run.h"
#include "module_access.h"
#include "module_sign.h"

struct job {
	const char *path;
	const struct kbtf_distill_module_opts *o;
	struct kbtf_distill_module_report *rep;
	struct kbtf_module *m;
	struct kbtf_btf *kbtf; /* the base kernel's BTF */
	char *release;	       /* the kernel the module was built for */
	bool plain;	       /* plain split .BTF, no .BTF.base (the form picked) */
	char tmpdir[PATH_MAX];

	struct kbtf_buf split_raw; /* the module's split BTF (copied or encoded) */
	struct kbtf_btf *split;	   /* parsed on kbtf */
	struct kbtf_distill_result d;
	struct kbtf_buf layout;
	struct kbtf_buf access; /* the objects' access records, merged */

	struct kbtf_btf_ids ids;
	uint32_t *ids_old; /* resolved on the full base */
	uint32_t *roots;   /* base ids named only by BTF_ID() */
	size_t nr_roots;
	struct kbtf_buf ids_new;

	struct kbtf_buf image; /* the rewritten ELF, then signed, then compressed */
};

static void say(const struct kbtf_distill_module_opts *o, kbtf_warn_fn fn, const char *fmt, ...)
    KBTF_PRINTF(3, 4);

static void say(const struct kbtf_distill_module_opts *o, kbtf_warn_fn fn, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	if (!fn)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fn(o->log_ctx, msg);
}

#define WARN(j, ...) ((j)->rep->warnings++, say((j)->o, (j)->o->warn, __VA_ARGS__))
#define NOTE(j, ...) say((j)->o, (j)->o->note, __VA_ARGS__)

static void distill_warn(void *ctx, const char *msg)
{
	struct job *j = ctx;

	WARN(j, "%s", msg);
}

/* ------------------------------------------------------------ checks */

/* The release a module was built for: the first word of its vermagic. */
static char *module_release(const struct kbtf_module *m)
{
	size_t n;

	if (!m->vermagic)
		return NULL;
	n = strcspn(m->vermagic, " ");
	return n ? strndup(m->vermagic, n) : NULL;
}

/* ------------------------------------------------------------ the form */

enum kbtf_btf_form kbtf_distill_pick_form(enum kbtf_btf_form asked, const char *release, char *why,
					  size_t len)
{
	const char *since = kbtf_kgen_btf_base_since();
	int reads = kbtf_kgen_release_reads_btf_base(release);

	if (asked == KBTF_FORM_PLAIN) {
		snprintf(why, len, "plain split .BTF on %s's full BTF, as asked (--plain-split)",
			 release ? release : "the base kernel");
		return KBTF_FORM_PLAIN;
	}
	if (asked == KBTF_FORM_DISTILLED) {
		if (reads == 0)
			snprintf(
			    why, len,
			    "distilled .BTF.base + split .BTF, as asked (--distilled), although "
			    "%s ignores .BTF.base (kernels before %s do)",
			    release, since);
		else
			snprintf(why, len,
				 "distilled .BTF.base + split .BTF, as asked (--distilled)");
		return KBTF_FORM_DISTILLED;
	}
	if (reads == 0) {
		snprintf(why, len,
			 "plain split .BTF on %s's full BTF (kernels before %s ignore .BTF.base)",
			 release, since);
		return KBTF_FORM_PLAIN;
	}
	if (reads > 0)
		snprintf(
		    why, len,
		    "distilled .BTF.base + split .BTF for %s (kernels since %s relocate it onto "
		    "their own BTF)",
		    release, since);
	else
		snprintf(why, len,
			 "distilled .BTF.base + split .BTF (the kernel release is unknown; kernels "
			 "since %s relocate it, older ones ignore .BTF.base)",
			 since);
	return KBTF_FORM_DISTILLED;
}

/* Distilled asked for a kernel that predates .BTF.base: say what it will do. */
static void warn_old_target(struct job *j)
{
	if (j->plain || kbtf_kgen_release_reads_btf_base(j->release) != 0)
		return;
	WARN(j,
	     "kernel %s predates .BTF.base (Linux %s): it ignores .BTF.base and "
	     "reads .BTF on its own vmlinux, where a distilled .BTF's ids mean other "
	     "types (rejected, or registered wrong); without --distilled kbtf writes the "
	     "plain split .BTF such a kernel reads",
	     j->release, kbtf_kgen_btf_base_since());
}

static int check_release(struct job *j)
{
	const char *base_rel = j->o->base->release;
	char *mod_rel = module_release(j->m);
	int err = 0;

	if (mod_rel && base_rel && strcmp(mod_rel, base_rel)) {
		if (j->o->force)
			WARN(j, "module was built for %s but the base is %s (--force given)",
			     mod_rel, base_rel);
		else
			err = kbtf_err(-EINVAL,
				       "module was built for %s but the base is %s: give that "
				       "kernel's BTF with --base (or --force if you know better)",
				       mod_rel, base_rel);
	}
	free(mod_rel);
	return err;
}

/*
 * A split BTF made on base B names B's strings by the offsets of whole
 * strings (pahole and libbpf deduplicate by exact match); offsets that land
 * mid-string mean the module was encoded against another kernel.
 */
static int check_string_refs(struct job *j)
{
	const struct kbtf_btf *s = j->split;
	uint32_t id, base_len = kbtf_btf_start_str_off(s);

	for (id = kbtf_btf_start_id(s); id < kbtf_btf_type_cnt(s); id++) {
		struct kbtf_field_iter it;
		const uint32_t *f;

		if (kbtf_field_iter_init(&it, kbtf_btf_type(s, id), KBTF_FIELDS_STRS))
			continue;
		while ((f = kbtf_field_iter_next(&it))) {
			const char *prev;

			if (!*f || *f >= base_len)
				continue;
			prev = kbtf_btf_str(s, *f - 1);
			if (prev && *prev)
				return kbtf_err(-EINVAL,
						"type [%u] names base string offset %u, which is "
						"inside '%s': the module's BTF was built against "
						"another kernel than this base",
						id, *f, prev);
		}
	}
	return 0;
}

static int parse_split(struct job *j, bool encoded_here)
{
	struct kbtf_parse_opts po = {.base = j->kbtf, .name = ".BTF"};
	int err;

	err = kbtf_btf_parse(j->split_raw.data, j->split_raw.size, &po, &j->split);
	if (err)
		return kbtf_err_prefix(err, "the module's BTF does not fit this base (built "
					    "against another kernel?)");
	if (encoded_here)
		return 0;
	err = check_string_refs(j);
	if (!err) {
		err = kbtf_check_kernel(j->split, KBTF_KERNEL_6_12);
		if (err)
			kbtf_err_prefix(err, "the module's BTF read on this base is not valid "
					     "(built against another kernel?)");
	}
	return err;
}

/* ------------------------------------------------------- .BTF source */

/*
 * A private directory (0700: the module to sign passes through it) named
 * "kbtf-distill-<pid>-XXXXXX", removed on SIGTERM/SIGINT/SIGHUP; those of
 * killed runs are swept first.
 */
static int make_tmpdir(struct job *j)
{
	const char *t = getenv("TMPDIR");
	char prefix[PATH_MAX];

	t = t && *t ? t : "/tmp";
	kbtf_cleanup_sweep(t, "kbtf-distill-");
	snprintf(prefix, sizeof(prefix), "%s/kbtf-distill-", t);
	if (kbtf_cleanup_template(j->tmpdir, sizeof(j->tmpdir), prefix) || !mkdtemp(j->tmpdir)) {
		j->tmpdir[0] = '\0';
		return kbtf_err(-errno, "cannot create a temporary directory: %s", strerror(errno));
	}
	kbtf_cleanup_add(j->tmpdir);
	return 0;
}

/*
 * --redistill: the native .BTF, read on the native .BTF.base, put back onto
 * the build kernel's BTF (distill_redistill.c), as if kbuild had left a
 * plain split.
 */
static int redistill_split(struct job *j)
{
	struct kbtf_parse_opts po = {.name = ".BTF.base"};
	struct kbtf_btf *b = NULL, *s = NULL;
	int err;

	err = kbtf_btf_parse(j->m->btf_base_data, j->m->btf_base_size, &po, &b);
	if (!err) {
		po.base = b;
		po.name = ".BTF";
		err = kbtf_btf_parse(j->m->btf_data, j->m->btf_size, &po, &s);
	}
	if (!err) {
		j->rep->native_base_types = kbtf_btf_type_cnt(b) - 1;
		err = kbtf_redistill_split(b, s, j->kbtf, j->o->base->release, &j->split_raw,
					   &j->rep->folded);
	}
	if (!err)
		j->rep->redistilled = true;
	kbtf_btf_free(s);
	kbtf_btf_free(b);
	return err ? kbtf_err_prefix(err, "redistill") : 0;
}

static int get_split(struct job *j)
{
	const struct kbtf_buf *braw = &j->o->base->btf_raw;
	int err, n;

	n = j->m->btf_data ? kbtf_btf_archive_members(j->m->btf_data, j->m->btf_size, NULL, 0) : 0;
	if (n > 1)
		return kbtf_err(-EINVAL,
				".BTF is an archive of %d BTF blobs (per-object BTF the "
				"linker concatenated), not one split BTF; rebuild so that "
				"pahole encodes the module's BTF",
				n);
	if (j->m->btf_data && j->m->btf_base_data)
		return redistill_split(j);
	if (j->m->btf_data)
		return kbtf_buf_dup(j->m->btf_data, j->m->btf_size, &j->split_raw);
	if (!j->m->has_dwarf)
		return kbtf_err(-EINVAL, "no .BTF and no DWARF to make it from (build with "
					 "CONFIG_DEBUG_INFO, and do not strip the module)");
	NOTE(j, "no .BTF: encoding it from DWARF with pahole");
	err = make_tmpdir(j);
	if (!err)
		err = kbtf_pahole_encode(j->m->image.data, j->m->image.size, braw->data, braw->size,
					 j->tmpdir, j->o->pahole, &j->split_raw);
	if (!err)
		j->rep->encoded = true;
	return err;
}

/* ----------------------------------------------------------- .BTF_ids */

static bool is_base_id(struct job *j, uint32_t id)
{
	return id && id < kbtf_btf_start_id(j->split);
}

static int ids_before(struct job *j)
{
	size_t i;
	int err;

	err = kbtf_btf_ids_read(j->m->image.data, j->m->image.size, &j->ids);
	if (err == -ENOENT)
		return 0;
	if (err)
		return kbtf_err_prefix(err, ".BTF_ids");
	j->ids_old = calloc(j->ids.nr_refs + 1, sizeof(*j->ids_old));
	j->roots = calloc(j->ids.nr_refs + 1, sizeof(*j->roots));
	if (!j->ids_old || !j->roots)
		return kbtf_err_nomem();
	err = kbtf_btf_ids_resolve(&j->ids, j->split, j->ids_old);
	if (err)
		return err;
	/* vmlinux types named only by BTF_ID() must be in the distilled base to be named */
	for (i = 0; i < j->ids.nr_refs; i++)
		if (is_base_id(j, j->ids_old[i]) && j->ids.refs[i].kind != BTF_KIND_FUNC)
			j->roots[j->nr_roots++] = j->ids_old[i];
	return 0;
}

static int ids_after(struct job *j)
{
	uint32_t *vals;
	size_t i, listed = 0;
	int err;

	if (!j->ids.data)
		return 0;
	vals = calloc(j->ids.nr_refs + 1, sizeof(*vals));
	if (!vals)
		return kbtf_err_nomem();
	for (i = 0; i < j->ids.nr_refs; i++) {
		const struct kbtf_btf_id_ref *r = &j->ids.refs[i];
		uint32_t old = j->ids_old[i];

		if (j->plain)
			vals[i] = old; /* ids on the full base are what the kernel uses */
		else
			vals[i] = old < j->d.id_map_len ? j->d.id_map[old] : 0;
		if (!old)
			WARN(j,
			     ".BTF_ids: unresolved symbol %s %s (no such type in the module or "
			     "the base); slot left 0",
			     kbtf_btf_id_kind_str(r->kind), r->name);
		else if (!vals[i])
			WARN(j,
			     ".BTF_ids: BTF_ID(%s, %s) names a vmlinux function, which a "
			     "distilled base cannot describe; slot left 0",
			     kbtf_btf_id_kind_str(r->kind), r->name);
		if (!vals[i])
			j->rep->ids_zero++;
		if (!r->in_set)
			listed++;
	}
	j->rep->ids_slots = j->ids.nr_refs;
	if (listed)
		NOTE(j,
		     ".BTF_ids: %zu BTF_ID_LIST entries now hold distilled-space ids; the "
		     "kernel remaps kfunc sets and dtor tables only",
		     listed);
	err = kbtf_btf_ids_patch(&j->ids, vals, &j->ids_new);
	free(vals);
	return err;
}

/* ------------------------------------------------------------- steps */

static int distill_btf(struct job *j)
{
	struct kbtf_distill_opts dopts = {
	    .extra_roots = j->roots,
	    .nr_extra_roots = j->nr_roots,
	    .warn = distill_warn,
	    .warn_ctx = j,
	};
	int err;

	err = kbtf_distill(j->split, &dopts, &j->d);
	if (err)
		return err;
	j->rep->base_types = j->d.nr_base_types;
	j->rep->split_types = j->d.nr_split_types;
	j->rep->copied = j->d.nr_copied;
	j->rep->base_bytes = j->d.base.size;
	j->rep->split_bytes = j->d.split.size;
	if (!j->o->no_layout) {
		err = kbtf_layout_build(j->split, &j->d, kbtf_btf_endian(j->split), &j->layout);
		j->rep->layout_bytes = j->layout.size;
	}
	return err;
}

/* Plain split: pahole's .BTF on the full base, as it is. */
static int keep_plain(struct job *j)
{
	j->rep->plain = true;
	j->rep->split_types = kbtf_btf_type_cnt(j->split) - kbtf_btf_start_id(j->split);
	j->rep->split_bytes = j->split_raw.size;
	return 0;
}

/*
 * The objects' access records (.note.kbtf.access, one blob per object as
 * the linker concatenated them) merged into one .kbtf.access; the per-object
 * section is emptied. A record that does not parse is left as it is.
 */
static void merge_access(struct job *j, struct kbtf_elf_section *secs, size_t *n)
{
	struct kbtf_access *a;

	if (j->m->access_err || !j->m->access_raw)
		return;
	if (kbtf_access_parse(j->m->access_data, j->m->access_size, &a)) {
		WARN(j, "%s: access record left as it is: %s", j->path, kbtf_errstr());
		return;
	}
	if (!kbtf_access_write(a, j->m->endian, &j->access)) {
		j->rep->access_bytes = j->access.size;
		j->rep->access_records = a->nr;
		secs[(*n)++] =
		    (struct kbtf_elf_section){KBTF_ACCESS_SECTION, j->access.data, j->access.size};
		secs[(*n)++] = (struct kbtf_elf_section){KBTF_ACCESS_OBJ_SECTION, "", 0};
	}
	kbtf_access_free(a);
}

static int rewrite_elf(struct job *j)
{
	static const char mark[] = "kbtf " KBTF_VERSION "\n";
	struct kbtf_elf_section secs[7] = {
	    {".BTF", j->d.split.data, j->d.split.size},
	    {".BTF.base", j->d.base.data, j->d.base.size},
	    {KBTF_DISTILLED_SECTION, mark, sizeof(mark) - 1},
	};
	size_t n = 3;

	if (j->plain) {
		secs[0] = (struct kbtf_elf_section){".BTF", j->split_raw.data, j->split_raw.size};
		n = 1;
	}
	if (j->layout.data)
		secs[n++] =
		    (struct kbtf_elf_section){KBTF_LAYOUT_SECTION, j->layout.data, j->layout.size};
	if (j->ids_new.data)
		secs[n++] = (struct kbtf_elf_section){".BTF_ids", j->ids_new.data, j->ids_new.size};
	merge_access(j, secs, &n);
	return kbtf_elf_set_sections(j->m->image.data, j->m->image.size, secs, n, &j->image);
}

static const char *sign_hash(struct job *j, char *buf, size_t len)
{
	const char *h = j->o->sign_hash;

	if (!h)
		h = kbtf_kernel_config(j->o->base, "MODULE_SIG_HASH", buf, len);
	return h && *h ? h : "sha256";
}

static int sign(struct job *j)
{
	char *tool = NULL, hbuf[64];
	struct kbtf_buf signed_img;
	int err;

	if (!j->o->sign_key)
		return 0;
	if (j->o->sign_tool) {
		tool = strdup(j->o->sign_tool);
	} else {
		char *rel = module_release(j->m);

		tool = kbtf_sign_find_tool(j->o->kdir, rel ? rel : j->o->base->release);
		free(rel);
		if (!tool)
			return -ENOENT;
	}
	if (!tool)
		return kbtf_err_nomem();
	if (!j->tmpdir[0] && (err = make_tmpdir(j)))
		goto out;
	err =
	    kbtf_sign_image(tool, sign_hash(j, hbuf, sizeof(hbuf)), j->o->sign_key, j->o->sign_cert,
			    j->image.data, j->image.size, j->tmpdir, &signed_img);
	if (!err) {
		kbtf_buf_release(&j->image);
		kbtf_buf_move(&j->image, &signed_img);
		j->rep->resigned = true;
	}
out:
	free(tool);
	return err;
}

static int compress(struct job *j)
{
	struct kbtf_buf packed;
	int err;

	if (j->m->compression == KBTF_COMP_NONE)
		return 0;
	err = kbtf_compress(j->m->compression, j->image.data, j->image.size, &packed);
	if (err)
		return kbtf_err_prefix(err, "re-compressing with %s",
				       kbtf_compression_str(j->m->compression));
	kbtf_buf_release(&j->image);
	kbtf_buf_move(&j->image, &packed);
	return 0;
}

static unsigned int file_mode(const char *path)
{
	struct stat st;

	return stat(path, &st) ? 0644 : st.st_mode & 07777;
}

static int write_result(struct job *j)
{
	const char *dest = j->o->out ? j->o->out : j->path;
	struct kbtf_replace_info info;
	int err;

	j->rep->size_after = j->image.size;
	if (j->o->out && strcmp(j->o->out, j->path))
		return kbtf_write_file_atomic(dest, j->image.data, j->image.size,
					      file_mode(j->path));
	/* in place: the same file to its users (owner, mode, xattrs, links) */
	err = kbtf_replace_file(dest, j->image.data, j->image.size, file_mode(j->path), &info);
	if (err)
		return err;
	if (info.via_link)
		NOTE(j, "a symlink: wrote through to %s", info.target);
	if (info.links == 2)
		WARN(j,
		     "%s had 2 hard links: it is a new file now, the other name still holds the "
		     "module as it was (link it again to this one)",
		     info.target);
	else if (info.links > 2)
		WARN(j,
		     "%s had %lu hard links: it is a new file now, the other %lu names still "
		     "hold the module as it was (link them again to this one)",
		     info.target, info.links, info.links - 1);
	return 0;
}

/* Nothing to change: with -o, the output is a copy of the input. */
static int copy_unchanged(struct job *j)
{
	struct kbtf_buf orig;
	int err;

	if (!j->o->out || !strcmp(j->o->out, j->path))
		return 0;
	err = kbtf_buf_from_file(j->path, &orig);
	if (err)
		return err;
	err = kbtf_write_file_atomic(j->o->out, orig.data, orig.size, file_mode(j->path));
	kbtf_buf_release(&orig);
	return err;
}

/* --plain-split on a module with split .BTF already: nothing to add. */
static int already_plain(struct job *j)
{
	int err;

	j->rep->already = true;
	j->rep->plain = true;
	j->kbtf = kbtf_kernel_btf(j->o->base);
	if (!j->kbtf)
		return kbtf_err_prefix(-EINVAL, "base");
	err = check_release(j);
	if (!err)
		err = get_split(j);
	if (!err)
		err = parse_split(j, false);
	if (err)
		return err;
	j->rep->split_types = kbtf_btf_type_cnt(j->split) - kbtf_btf_start_id(j->split);
	j->rep->size_after = j->rep->size_before;
	return copy_unchanged(j);
}

/*
 * Already distilled: check the pair still reads, as libbpf reads it and
 * as the target kernel's btf_parse_module() checks it (the checks kbtf
 * validate runs, kbtf_check_kernel(): a header version the kernel refuses
 * is no "nothing to do"), and change nothing.
 */
static int already_distilled(struct job *j)
{
	struct kbtf_parse_opts po = {.name = ".BTF.base"};
	enum kbtf_kernel_gen gen = kbtf_kernel_gen_of_release(j->release);
	struct kbtf_btf *b = NULL, *s = NULL;
	int err;

	err = kbtf_btf_parse(j->m->btf_base_data, j->m->btf_base_size, &po, &b);
	if (!err) {
		po.base = b;
		po.name = ".BTF";
		err = kbtf_btf_parse(j->m->btf_data, j->m->btf_size, &po, &s);
	}
	if (err) {
		kbtf_err_prefix(err, "has .BTF.base, but it does not read");
		goto out;
	}
	err = kbtf_check_kernel(b, gen);
	if (!err)
		err = kbtf_check_kernel(s, gen);
	if (err) {
		kbtf_err_prefix(err,
				"has .BTF.base and .BTF, but kernel %s refuses them (rebuild the "
				"module to give it BTF that kernel reads)",
				j->release ? j->release : "(newest)");
		goto out;
	}
	j->rep->already = true;
	j->rep->base_types = kbtf_btf_type_cnt(b) - 1;
	j->rep->split_types = kbtf_btf_type_cnt(s) - kbtf_btf_start_id(s);
	j->rep->size_after = j->rep->size_before;
	err = copy_unchanged(j);
out:
	kbtf_btf_free(s);
	kbtf_btf_free(b);
	return err;
}

/* Which form, for which kernel: settled once the module is open. */
static void pick_form(struct job *j)
{
	j->release = module_release(j->m);
	if (!j->release && j->o->base->release)
		j->release = strdup(j->o->base->release);
	j->rep->form = kbtf_distill_pick_form(j->o->form, j->release, j->rep->form_why,
					      sizeof(j->rep->form_why));
	j->plain = j->rep->form == KBTF_FORM_PLAIN;
	j->rep->plain = j->plain;
}

/* Distilled before, and the kernel it is for does not read .BTF.base. */
static int distilled_for_old_kernel(struct job *j)
{
	if (j->o->form == KBTF_FORM_PLAIN)
		return kbtf_err(-EINVAL, "has .BTF.base already; --plain-split needs the module "
					 "as kbuild built it");
	j->rep->form = KBTF_FORM_DISTILLED;
	j->plain = j->rep->plain = false;
	snprintf(j->rep->form_why, sizeof(j->rep->form_why),
		 "distilled .BTF.base + split .BTF already, left alone (%s ignores .BTF.base)",
		 j->release);
	WARN(j,
	     "already distilled, but kernel %s predates .BTF.base (Linux %s) and reads .BTF "
	     "on its own vmlinux, where a distilled .BTF's ids mean other types: rebuild the "
	     "module, and kbtf gives it the plain split .BTF that kernel reads",
	     j->release, kbtf_kgen_btf_base_since());
	return already_distilled(j);
}

static int run_job(struct job *j)
{
	int err;

	err = kbtf_module_open(j->path, &j->m);
	if (err)
		return err;
	j->rep->compression = j->m->compression;
	j->rep->size_before = j->m->image.size + j->m->sig_len;
	pick_form(j);
	j->rep->origin = kbtf_base_origin(j->m, NULL);
	if (j->m->btf_base_data && j->m->btf_data &&
	    !(j->o->redistill && kbtf_base_origin_native(j->rep->origin) && !j->plain))
		return j->plain ? distilled_for_old_kernel(j) : already_distilled(j);
	if (j->plain && j->m->btf_data)
		return already_plain(j);
	if (j->m->sig_len && !j->o->sign_key)
		return kbtf_err(-EPERM, "module is signed, and adding BTF sections breaks the "
					"signature: re-sign with --sign KEY CERT, or distill "
					"before signing");
	j->kbtf = kbtf_kernel_btf(j->o->base);
	if (!j->kbtf)
		return kbtf_err_prefix(-EINVAL, "base");
	err = check_release(j);
	if (!err)
		err = get_split(j);
	if (!err)
		err = parse_split(j, j->rep->encoded);
	if (!err)
		err = ids_before(j);
	if (!err) {
		warn_old_target(j);
		err = j->plain ? keep_plain(j) : distill_btf(j);
	}
	if (!err)
		err = ids_after(j);
	if (!err)
		err = rewrite_elf(j);
	if (!err)
		err = sign(j);
	if (!err)
		err = compress(j);
	if (!err)
		err = write_result(j);
	return err;
}

static void cleanup(struct job *j)
{
	if (j->tmpdir[0]) {
		rmdir(j->tmpdir);
		kbtf_cleanup_forget(j->tmpdir);
	}
	kbtf_buf_release(&j->image);
	kbtf_buf_release(&j->ids_new);
	free(j->ids_old);
	free(j->roots);
	kbtf_btf_ids_release(&j->ids);
	kbtf_buf_release(&j->layout);
	kbtf_buf_release(&j->access);
	kbtf_distill_result_release(&j->d);
	kbtf_btf_free(j->split);
	kbtf_buf_release(&j->split_raw);
	kbtf_module_free(j->m);
	free(j->release);
}

int kbtf_distill_module(const char *path, const struct kbtf_distill_module_opts *opts,
			struct kbtf_distill_module_report *rep)
{
	struct job j = {.path = path, .o = opts, .rep = rep};
	int err;

	memset(rep, 0, sizeof(*rep));
	if (!opts || !opts->base)
		return kbtf_err(-EINVAL, "no base kernel given");
	if (!opts->sign_key != !opts->sign_cert)
		return kbtf_err(-EINVAL, "signing needs both a key and a certificate");
	err = run_job(&j);
	cleanup(&j);
	return err;
}
