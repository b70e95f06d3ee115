// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * kbtf-fixture: BTF in the newer formats, made with the libkbtf builder,
 * for the integration tests (test_formats.sh). No kernel ships these yet,
 * so the tests make them:
 *
 *   layout KERNEL OUT [--no-table] KERNEL's types (any kbtf kernel source) plus one record of kind
 * 25 (unknown to every released reader), with a 32-byte header whose kind layout sizes it;
 * --no-table: 24-byte header, no layout relayout KO OUT              KO's split .BTF written again
 * with a 32-byte header and kind layout (types copied onto its .BTF.base unchanged) archive OUT
 * three per-object BTF blobs back to back widen KO OUT [--nonzero] KO's .BTF and .BTF.base
 * with 32-byte headers, layout fields zero (--nonzero: .BTF's layout_off 1) ko TEMPLATE OUT BTF
 * [BASE]   TEMPLATE (an ET_REL object) with .BTF and optionally .BTF.base set from the files stack
 * DIR                    a two-layer kernel (vmlinux.btf and its split layer vmlinux.vars) and two
 * modules' distilled BTF: stackmod.{btf,base} and ambmod.{btf,base}; see make_stack()
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kbtf/btf.h"
#include "kbtf/buf.h"
#include "kbtf/builder.h"
#include "elf_read.h"
#include "elf_write.h"
#include "kbtf/err.h"
#include "kbtf/source.h"
#include "kernel_bootimage.h"
#include "kernel_exports.h"

#define UNKNOWN_KIND 25

static int die(const char *what)
{
	fprintf(stderr, "kbtf-fixture: %s: %s\n", what, kbtf_errstr());
	return 1;
}

static int save(const char *path, const struct kbtf_buf *b)
{
	return kbtf_write_file_atomic(path, b->data, b->size, 0644);
}

static int write_save(struct kbtf_builder *b, const struct kbtf_write_opts *o, const char *path)
{
	struct kbtf_buf out;
	int err = kbtf_builder_write(b, o, &out);

	if (!err) {
		err = save(path, &out);
		kbtf_buf_release(&out);
	}
	return err;
}

/* ------------------------------------------------------------- layout */

static int make_layout(const char *in, const char *out, bool table)
{
	/* kind 25: a 4-byte tail after the head, 8 bytes per vlen item */
	struct kbtf_kind_layout extra[UNKNOWN_KIND - KBTF_KIND_MAX_KNOWN] = {{0}};
	struct kbtf_write_opts o = {.kind_layout = table};
	struct kbtf_builder *b = NULL;
	struct kbtf_kernel *k = NULL;
	struct kbtf_btf *src;
	uint32_t id, rec[3 + 1 + 2 * 2];
	int err;

	err = kbtf_kernel_open(in, NULL, &k);
	if (err || !(src = kbtf_kernel_btf(k))) {
		kbtf_kernel_free(k);
		return die(in);
	}
	b = kbtf_builder_new(NULL);
	for (id = 1; !err && id < kbtf_btf_type_cnt(src); id++)
		err = kbtf_builder_copy_type(b, src, id, NULL, NULL, NULL) < 0;
	/* appended last, so every id of IN keeps its number */
	memset(rec, 0, sizeof(rec));
	rec[0] = (uint32_t)kbtf_builder_add_str(b, "kbtf_future_kind");
	rec[1] = kbtf_info(UNKNOWN_KIND, false, 2);
	if (!err)
		err = kbtf_builder_add_raw(b, rec, sizeof(rec)) < 0;
	extra[UNKNOWN_KIND - KBTF_KIND_MAX_KNOWN - 1] = (struct kbtf_kind_layout){4, 8, 0};
	o.extra_kinds = extra;
	o.nr_extra_kinds = UNKNOWN_KIND - KBTF_KIND_MAX_KNOWN;
	if (!err)
		err = write_save(b, &o, out);
	kbtf_builder_free(b);
	kbtf_kernel_free(k);
	return err ? die(out) : 0;
}

/* ----------------------------------------------------------- relayout */

static int make_relayout(const char *in, const char *out)
{
	struct kbtf_write_opts o = {.kind_layout = true};
	struct kbtf_btf *base = NULL, *split = NULL;
	struct kbtf_parse_opts po = {0};
	struct kbtf_builder *b = NULL;
	struct kbtf_module *m = NULL;
	struct kbtf_buf btf = {0}, ko = {0};
	struct kbtf_elf_section sec;
	uint32_t id;
	int err;

	err = kbtf_module_open(in, &m);
	if (!err && (!m->btf_base_size || m->sig_len))
		err = kbtf_err(-EINVAL, "needs an unsigned module with .BTF.base");
	if (!err)
		err = kbtf_btf_parse(m->btf_base_data, m->btf_base_size, NULL, &base);
	po.base = base;
	if (!err)
		err = kbtf_btf_parse(m->btf_data, m->btf_size, &po, &split);
	if (err)
		goto out;
	b = kbtf_builder_new(base);
	for (id = kbtf_btf_start_id(split); !err && id < kbtf_btf_type_cnt(split); id++)
		err = kbtf_builder_copy_type(b, split, id, NULL, NULL, NULL) < 0 ? -EINVAL : 0;
	if (!err)
		err = kbtf_builder_write(b, &o, &btf);
	sec = (struct kbtf_elf_section){".BTF", btf.data, btf.size};
	if (!err)
		err = kbtf_elf_set_sections(m->image.data, m->image.size, &sec, 1, &ko);
	if (!err)
		err = save(out, &ko);
out:
	kbtf_buf_release(&ko);
	kbtf_buf_release(&btf);
	kbtf_builder_free(b);
	kbtf_btf_free(split);
	kbtf_btf_free(base);
	kbtf_module_free(m);
	return err ? die(in) : 0;
}

/* ------------------------------------------------------------- widen */

/* @in (a 24-byte-header blob of host order) with a 32-byte header. */
static int widen_blob(const void *in, size_t size, bool poke, struct kbtf_buf *out)
{
	uint32_t hdr_len = KBTF_HDR_LEN_LAYOUT, old;

	memcpy(&old, (const uint8_t *)in + 4, 4);
	if (size < KBTF_HDR_LEN_CLASSIC || old != KBTF_HDR_LEN_CLASSIC)
		return kbtf_err(-EINVAL, "needs 24-byte BTF headers");
	out->data = calloc(1, size + 8);
	if (!out->data)
		return -ENOMEM;
	out->owner = KBTF_BUF_HEAP;
	out->size = size + 8;
	memcpy(out->data, in, KBTF_HDR_LEN_CLASSIC);
	memcpy(out->data + KBTF_HDR_LEN_LAYOUT, (const uint8_t *)in + KBTF_HDR_LEN_CLASSIC,
	       size - KBTF_HDR_LEN_CLASSIC);
	memcpy(out->data + 4, &hdr_len, 4);
	if (poke)
		out->data[KBTF_HDR_LEN_CLASSIC] = 1; /* layout_off 1, layout_len 0 */
	return 0;
}

/*
 * KO's .BTF and .BTF.base (when there) with 32-byte headers whose layout
 * fields are zero, as kbuild's resolve_btfids writes them from 7.0 on;
 * --nonzero: .BTF's layout_off is 1 (its layout_len stays 0).
 */
static int make_widen(const char *in, const char *out, bool poke)
{
	struct kbtf_buf btf = {0}, base = {0}, ko = {0};
	struct kbtf_elf_section secs[2];
	struct kbtf_module *m = NULL;
	size_t n = 0;
	int err;

	err = kbtf_module_open(in, &m);
	if (!err && (!m->btf_size || m->sig_len))
		err = kbtf_err(-EINVAL, "needs an unsigned module with .BTF");
	if (!err)
		err = widen_blob(m->btf_data, m->btf_size, poke, &btf);
	if (!err && m->btf_base_size)
		err = widen_blob(m->btf_base_data, m->btf_base_size, false, &base);
	if (!err) {
		secs[n++] = (struct kbtf_elf_section){".BTF", btf.data, btf.size};
		if (base.size)
			secs[n++] = (struct kbtf_elf_section){".BTF.base", base.data, base.size};
		err = kbtf_elf_set_sections(m->image.data, m->image.size, secs, n, &ko);
	}
	if (!err)
		err = save(out, &ko);
	kbtf_buf_release(&ko);
	kbtf_buf_release(&base);
	kbtf_buf_release(&btf);
	kbtf_module_free(m);
	return err ? die(in) : 0;
}

/* ------------------------------------------------------------ archive */

/* One object's BTF: int, and a struct of its own that uses it. */
static int object_blob(struct kbtf_builder *b, unsigned int n)
{
	char name[32];

	snprintf(name, sizeof(name), "obj%u_state", n);
	if (kbtf_builder_add_int(b, "int", 4, BTF_INT_SIGNED, 0, 32) < 0 ||
	    kbtf_builder_add_struct(b, name, 8) < 0 ||
	    kbtf_builder_add_member(b, "a", 1, 0, 0) < 0 ||
	    kbtf_builder_add_member(b, "b", 1, 32, 0) < 0)
		return -1;
	return 0;
}

static int make_archive(const char *out)
{
	struct kbtf_buf blobs[3] = {{0}}, all = {0};
	size_t total = 0, at = 0;
	unsigned int i;
	int err = 0;

	for (i = 0; !err && i < 3; i++) {
		struct kbtf_builder *b = kbtf_builder_new(NULL);

		err = object_blob(b, i + 1) ? -EINVAL : kbtf_builder_write(b, NULL, &blobs[i]);
		total += blobs[i].size;
		kbtf_builder_free(b);
	}
	if (!err) {
		all.data = malloc(total);
		all.owner = KBTF_BUF_HEAP;
		err = all.data ? 0 : -ENOMEM;
	}
	for (i = 0; !err && i < 3; at += blobs[i].size, i++)
		memcpy(all.data + at, blobs[i].data, blobs[i].size);
	all.size = total;
	if (!err)
		err = save(out, &all);
	for (i = 0; i < 3; i++)
		kbtf_buf_release(&blobs[i]);
	kbtf_buf_release(&all);
	return err ? die(out) : 0;
}

/* ----------------------------------------------------------------- ko */

static int make_ko(const char *tmpl, const char *out, const char *btf, const char *base)
{
	struct kbtf_buf t = {0}, s[2] = {{0}}, ko = {0};
	struct kbtf_elf_section secs[2];
	size_t n = 0;
	int err;

	err = kbtf_buf_from_file(tmpl, &t);
	if (!err)
		err = kbtf_buf_from_file(btf, &s[0]);
	if (!err && base)
		err = kbtf_buf_from_file(base, &s[1]);
	if (err)
		return die("inputs");
	secs[n++] = (struct kbtf_elf_section){".BTF", s[0].data, s[0].size};
	if (base)
		secs[n++] = (struct kbtf_elf_section){".BTF.base", s[1].data, s[1].size};
	err = kbtf_elf_set_sections(t.data, t.size, secs, n, &ko);
	if (!err)
		err = save(out, &ko);
	kbtf_buf_release(&ko);
	kbtf_buf_release(&s[0]);
	kbtf_buf_release(&s[1]);
	kbtf_buf_release(&t);
	return err ? die(out) : 0;
}

/* -------------------------------------------------------------- stack */

/*
 * vmlinux.btf (layer 0):
 *   1 int  2 struct list_head (16)  3 list_head *  4 struct dup_same (8)
 *   5 struct dup_sized (8)  6 int (void) proto  7 FUNC btf_relocate (so a
 *   kernel without a release still counts as 6.11+)
 * vmlinux.vars (layer 1, split on vmlinux, names shared with layer 0 use
 * layer 0's strings as a deduplicating encoder writes them):
 *   8 struct vars_only (24) { int x; list_head l @64 }
 *   9 struct dup_same (8)   10 struct dup_sized (24)
 *   11 VAR kbtf_counter (int)  12 DATASEC .data
 */
static int vmlinux_layer(const char *dir, struct kbtf_buf *out)
{
	struct kbtf_builder *b = kbtf_builder_new(NULL);
	char path[4096];
	int err = 0;

	err |= kbtf_builder_add_int(b, "int", 4, BTF_INT_SIGNED, 0, 32) != 1;
	err |= kbtf_builder_add_struct(b, "list_head", 16) != 2;
	err |= kbtf_builder_add_member(b, "next", 3, 0, 0) < 0;
	err |= kbtf_builder_add_member(b, "prev", 3, 64, 0) < 0;
	err |= kbtf_builder_add_ptr(b, 2) != 3;
	err |= kbtf_builder_add_struct(b, "dup_same", 8) != 4;
	err |= kbtf_builder_add_member(b, "a", 1, 0, 0) < 0;
	err |= kbtf_builder_add_member(b, "b", 1, 32, 0) < 0;
	err |= kbtf_builder_add_struct(b, "dup_sized", 8) != 5;
	err |= kbtf_builder_add_member(b, "a", 1, 0, 0) < 0;
	err |= kbtf_builder_add_func_proto(b, 1) != 6;
	err |= kbtf_builder_add_func(b, "btf_relocate", BTF_FUNC_GLOBAL, 6) != 7;
	snprintf(path, sizeof(path), "%s/vmlinux.btf", dir);
	if (!err)
		err = kbtf_builder_write(b, NULL, out) || save(path, out);
	kbtf_builder_free(b);
	return err ? -EINVAL : 0;
}

/* A composite head reusing the base's name string (raw: the builder would add its own). */
static int struct_named_like(struct kbtf_builder *b, struct kbtf_btf *base, const char *name,
			     uint32_t size)
{
	uint32_t id, rec[3];

	if (kbtf_btf_find_by_name(base, name, BTF_KIND_STRUCT, &id, 1) != 1)
		return -ENOENT;
	rec[0] = kbtf_btf_type(base, id)->name_off;
	rec[1] = kbtf_info(BTF_KIND_STRUCT, false, 0);
	rec[2] = size;
	return kbtf_builder_add_raw(b, rec, sizeof(rec));
}

static int vars_layer(const char *dir, struct kbtf_btf *vml)
{
	struct kbtf_builder *b = kbtf_builder_new(vml);
	char path[4096];
	int err = 0;

	err |= kbtf_builder_add_struct(b, "vars_only", 24) != 8;
	err |= kbtf_builder_add_member(b, "x", 1, 0, 0) < 0;
	err |= kbtf_builder_add_member(b, "l", 2, 64, 0) < 0;
	err |= struct_named_like(b, vml, "dup_same", 8) != 9;
	err |= struct_named_like(b, vml, "dup_sized", 24) != 10;
	err |= kbtf_builder_add_var(b, "kbtf_counter", 1, BTF_VAR_GLOBAL_ALLOCATED) != 11;
	err |= kbtf_builder_add_datasec(b, ".data", 4) != 12;
	err |= kbtf_builder_add_secinfo(b, 11, 0, 4) < 0;
	snprintf(path, sizeof(path), "%s/vmlinux.vars", dir);
	if (!err)
		err = write_save(b, NULL, path);
	kbtf_builder_free(b);
	return err ? -EINVAL : 0;
}

/*
 * A module's distilled base and split. stackmod embeds vars_only (only in
 * layer 1) and dup_sized (24 bytes: layer 1's, not layer 0's 8); ambmod
 * embeds dup_same, which the stack has twice at the same size.
 */
static int module_btf(const char *dir, const char *mod)
{
	struct kbtf_builder *b = kbtf_builder_new(NULL);
	bool stack = !strcmp(mod, "stackmod");
	struct kbtf_btf *dist = NULL;
	struct kbtf_buf base = {0};
	char path[4096];
	int err = 0;

	err |= kbtf_builder_add_int(b, "int", 4, BTF_INT_SIGNED, 0, 32) != 1;
	if (stack) {
		err |= kbtf_builder_add_struct(b, "list_head", 16) != 2;
		err |= kbtf_builder_add_struct(b, "vars_only", 24) != 3;
		err |= kbtf_builder_add_struct(b, "dup_sized", 24) != 4;
	} else {
		err |= kbtf_builder_add_struct(b, "dup_same", 8) != 2;
	}
	snprintf(path, sizeof(path), "%s/%s.base", dir, mod);
	if (!err)
		err = kbtf_builder_write(b, NULL, &base) || save(path, &base) ||
		      kbtf_btf_parse(base.data, base.size, NULL, &dist);
	kbtf_builder_free(b);
	if (err)
		goto out;
	b = kbtf_builder_new(dist);
	if (stack) {
		int ptr = kbtf_builder_add_ptr(b, 2);

		err |= kbtf_builder_add_struct(b, "stackmod_state", 56) < 0;
		err |= kbtf_builder_add_member(b, "v", 3, 0, 0) < 0;
		err |= kbtf_builder_add_member(b, "d", 4, 192, 0) < 0;
		err |= kbtf_builder_add_member(b, "p", (uint32_t)ptr, 384, 0) < 0;
	} else {
		err |= kbtf_builder_add_struct(b, "ambmod_state", 8) < 0;
		err |= kbtf_builder_add_member(b, "s", 2, 0, 0) < 0;
	}
	snprintf(path, sizeof(path), "%s/%s.btf", dir, mod);
	if (!err)
		err = write_save(b, NULL, path);
	kbtf_builder_free(b);
out:
	kbtf_btf_free(dist);
	kbtf_buf_release(&base);
	return err ? -EINVAL : 0;
}

static int make_stack(const char *dir)
{
	struct kbtf_buf raw = {0};
	struct kbtf_btf *vml = NULL;
	int err;

	err = vmlinux_layer(dir, &raw);
	if (!err)
		err = kbtf_btf_parse(raw.data, raw.size, NULL, &vml);
	if (!err)
		err = vars_layer(dir, vml);
	if (!err)
		err = module_btf(dir, "stackmod");
	if (!err)
		err = module_btf(dir, "ambmod");
	kbtf_btf_free(vml);
	kbtf_buf_release(&raw);
	return err ? die(dir) : 0;
}

/* ---------------------------------------------------------------- main */

/*
 * exports VMLINUZ OUT: the exports kbtf reads from a boot image's payload
 * (kernel_exports.c) as Module.symvers text, for test_kernel_exports.sh to
 * hold against the kernel's own Module.symvers.
 */
static int dump_exports(const char *vmlinuz, const char *out)
{
	struct kbtf_bootimage bi;
	struct kbtf_buf b;
	struct kbtf_elf *e;
	size_t len, nr;
	char *text = NULL;
	int err;

	if (kbtf_buf_from_file(vmlinuz, &b))
		return die(vmlinuz);
	err = kbtf_bootimage_read(b.data, b.size, &bi);
	kbtf_buf_release(&b);
	if (err)
		return die(vmlinuz);
	err = kbtf_elf_open(bi.elf.data, bi.elf.size, &e);
	if (!err) {
		err = kbtf_kernel_exports_read(e, &text, &len, &nr);
		kbtf_elf_close(e);
	}
	if (!err)
		err = kbtf_write_file_atomic(out, text, len, 0644);
	free(text);
	kbtf_bootimage_release(&bi);
	return err ? die(vmlinuz) : 0;
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "exports"))
		return dump_exports(argv[2], argv[3]);
	if (argc >= 4 && !strcmp(argv[1], "layout"))
		return make_layout(argv[2], argv[3], !(argc > 4 && !strcmp(argv[4], "--no-table")));
	if (argc == 4 && !strcmp(argv[1], "relayout"))
		return make_relayout(argv[2], argv[3]);
	if ((argc == 4 || argc == 5) && !strcmp(argv[1], "widen"))
		return make_widen(argv[2], argv[3], argc == 5 && !strcmp(argv[4], "--nonzero"));
	if (argc == 3 && !strcmp(argv[1], "archive"))
		return make_archive(argv[2]);
	if ((argc == 5 || argc == 6) && !strcmp(argv[1], "ko"))
		return make_ko(argv[2], argv[3], argv[4], argc == 6 ? argv[5] : NULL);
	if (argc == 3 && !strcmp(argv[1], "stack"))
		return make_stack(argv[2]);
	fprintf(stderr, "usage: kbtf-fixture layout KERNEL OUT [--no-table] | relayout KO OUT |\n"
			"       widen KO OUT [--nonzero] |\n"
			"       archive OUT |\n"
			"       ko TEMPLATE OUT BTF [BASE] | stack DIR | exports VMLINUZ OUT\n");
	return 2;
}
