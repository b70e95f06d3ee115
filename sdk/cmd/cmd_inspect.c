// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * kbtf inspect [--json] [--base SOURCE] SOURCE... : say what each input is
 * and what its BTF holds. A module (ET_REL ELF, possibly compressed) is
 * read as a module; a split raw BTF as a module's BTF; anything else as a
 * kernel source (kbtf_kernel_open). Facts are gathered into one struct per
 * input and then printed as text or JSON, so both outputs say the same.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "inspect_access.h"
#include "kbtf/btf.h"
#include "elf_read.h"
#include "kbtf/err.h"
#include "kbtf/json.h"
#include "kbtf/source.h"
#include "cmd.h"
#include "distill_origin.h"
#include "util.h"

#define NR_KINDS 128 /* the kind field is 7 bits wide */
#define MAX_ARCHIVE 64
#define SYS_BTF "/sys/kernel/btf/"

struct inspect_opts {
	const char *base;
	const char *layers[KBTF_KERNEL_MAX_LAYERS]; /* stacked on every kernel SOURCE */
	int nr_layers;
	bool json;
	bool pretty;
};

/* Facts about one BTF blob. */
struct btf_facts {
	const char *role; /* ".BTF", ".BTF.base", "BTF" */
	size_t bytes;
	bool parsed;
	bool split;
	const char *base_name; /* what it was parsed on, NULL for none */
	/* header, read raw so it is known even when not parsed */
	uint32_t hdr_len, type_off, type_len, str_len, layout_off, layout_len;
	uint8_t version, flags;
	enum kbtf_endian endian;
	uint8_t first_str; /* first byte of the string section */
	/* after a parse */
	uint32_t start_id, types, types_with_base, unknown_kinds;
	bool sorted;		  /* own named types in name order (kbuild 7.x sorts) */
	uint32_t kinds[NR_KINDS]; /* above KBTF_KIND_MAX_KNOWN: unknown, skipped */
	/* an unparsed split: records walked without validation */
	bool walked;
	uint32_t walk_types;
	bool walk_complete;
	/* archive members */
	int nr_members;
	struct kbtf_archive_member members[MAX_ARCHIVE];
	long member_types[MAX_ARCHIVE]; /* -1: the member did not parse */
	bool member_split[MAX_ARCHIVE]; /* parsed as a split on the one before */
};

static const char inspect_usage[] =
    "usage: kbtf inspect [--json|--pretty] [--base SOURCE] [--layer FILE]...\n"
    "                    [--moddir DIR] SOURCE...\n"
    "\n"
    "Say what each SOURCE is and what its BTF holds. SOURCE is recognised by its\n"
    "content: a kernel module (.ko, .ko.xz/.zst/.gz, signed or not), raw BTF\n"
    "(/sys/kernel/btf/vmlinux, /sys/kernel/btf/<module>), an ELF vmlinux, a boot\n"
    "image (vmlinuz: gzip, xz, lzma, zstd, lz4, bzip2 payloads), a kernel package\n"
    "(Debian/Ubuntu .deb, RPM, Arch .pkg.tar.zst), a BTFHub .btf.tar.xz, a kbtf\n"
    "bundle, a tarball or directory laid out like a package, a kernel build\n"
    "directory, a stored kernel profile, or an installed kernel release name.\n"
    "A SOURCE of letters, digits, '_' and '-' that is none of these is an installed\n"
    "module named as modprobe takes it (kvm, kvm-intel, an alias such as crc32),\n"
    "looked up with libkmod in /lib/modules/$(uname -r) or --moddir.\n"
    "\n"
    "  -j, --json          one JSON array, one object per SOURCE\n"
    "  -p, --pretty        the same, indented\n"
    "  -b, --base SOURCE   kernel to parse a module's split .BTF on, when the module\n"
    "                      has no .BTF.base (/sys/kernel/btf/<module> defaults to\n"
    "                      /sys/kernel/btf/vmlinux)\n"
    "  -L, --layer FILE    stack the split BTF in FILE on each kernel SOURCE and\n"
    "                      list the layers (repeatable, bottom first)\n"
    "      --moddir DIR    where a module given by name is looked up (a\n"
    "                      /lib/modules/RELEASE directory with depmod's indexes)\n"
    "  -h, --help          this text\n"
    "\n"
    "Exit status: 0 when every SOURCE was read, 2 for bad usage or when any SOURCE\n"
    "could not be read (one line on stderr per such SOURCE: kbtf: FILE: reason).\n";

/* ---------------------------------------------------------------- BTF facts */

/* Header fields straight from the bytes, known even when the blob does not parse. */
static int read_header(struct btf_facts *f, const uint8_t *p, size_t size)
{
	struct kbtf_btf_rawhdr h;

	f->bytes = size;
	if (!kbtf_btf_peek(p, size, &h))
		return kbtf_err(-EINVAL, "%s: not BTF (no 0xeb9f magic)", f->role);
	/* btf_parse_hdr() and libbpf read no blob whose header is shorter */
	if (h.hdr.hdr_len < KBTF_HDR_LEN_CLASSIC)
		return kbtf_err(-EINVAL,
				"%s: header length %u, shorter than the %u-byte BTF header",
				f->role, h.hdr.hdr_len, KBTF_HDR_LEN_CLASSIC);
	f->endian = h.endian;
	f->version = h.hdr.version;
	f->flags = h.hdr.flags;
	f->hdr_len = h.hdr.hdr_len;
	f->type_off = h.hdr.type_off;
	f->type_len = h.hdr.type_len;
	f->str_len = h.hdr.str_len;
	f->layout_off = h.layout_off;
	f->layout_len = h.layout_len;
	f->first_str = h.first_str;
	f->split = h.split;
	return 0;
}

static void count_kinds(struct btf_facts *f, const struct kbtf_btf *btf)
{
	uint32_t id, n = kbtf_btf_type_cnt(btf), k;

	f->parsed = true;
	f->start_id = kbtf_btf_start_id(btf);
	f->types = n - f->start_id;
	f->types_with_base = n - 1;
	f->unknown_kinds = kbtf_btf_unknown_kind_cnt(btf);
	f->sorted = kbtf_btf_sorted_by_name(btf);
	for (id = f->start_id; id < n; id++) {
		k = kbtf_kind(kbtf_btf_type(btf, id));
		f->kinds[k % NR_KINDS]++;
	}
}

/*
 * Split BTF without its base cannot be validated, but its records can be
 * walked (their sizes do not depend on the base) to count them.
 */
static void walk_records(struct btf_facts *f, const uint8_t *p)
{
	bool big = f->endian == KBTF_ENDIAN_BIG;
	uint32_t type_off = f->type_off, off = 0;
	const uint8_t *types = p + f->hdr_len + type_off;
	struct btf_type t;
	size_t sz;

	f->walked = true;
	if ((uint64_t)f->hdr_len + type_off + f->type_len > f->bytes)
		return;
	while (off + sizeof(t) <= f->type_len) {
		t.name_off = kbtf_get32(types + off, big);
		t.info = kbtf_get32(types + off + 4, big);
		t.size = kbtf_get32(types + off + 8, big);
		sz = kbtf_type_rec_size(&t);
		if (!sz || sz > f->type_len - off)
			return;
		f->kinds[kbtf_kind(&t) % NR_KINDS]++;
		f->walk_types++;
		off += (uint32_t)sz;
	}
	f->walk_complete = off == f->type_len;
}

/*
 * Members of a BTF archive, each parsed on its own to count its types; one
 * that does not parse alone is tried as a split layer on the one before
 * (a vmlinux BTF with its layers in one section).
 */
static void find_members(struct btf_facts *f, const uint8_t *p, size_t size)
{
	int n = kbtf_btf_archive_members(p, size, f->members, MAX_ARCHIVE), i;
	struct kbtf_btf *btf[MAX_ARCHIVE] = {NULL};
	struct kbtf_parse_opts o = {0};

	f->nr_members = n > MAX_ARCHIVE ? MAX_ARCHIVE : n > 0 ? n : 0;
	for (i = 0; f->nr_members > 1 && i < f->nr_members; i++) {
		const uint8_t *at = p + f->members[i].offset;

		f->member_types[i] = -1;
		o.base = i ? btf[i - 1] : NULL;
		if (kbtf_btf_parse(at, f->members[i].size, NULL, &btf[i]) && o.base &&
		    !kbtf_btf_parse(at, f->members[i].size, &o, &btf[i]))
			f->member_split[i] = true;
		if (btf[i])
			f->member_types[i] = kbtf_btf_type_cnt(btf[i]) - kbtf_btf_start_id(btf[i]);
	}
	while (i-- > 0)
		kbtf_btf_free(btf[i]);
	kbtf_err_clear();
}

static const char *kind_name(uint32_t k, char *buf, size_t len)
{
	if (k <= KBTF_KIND_MAX_KNOWN)
		return kbtf_kind_str(k);
	snprintf(buf, len, "kind %u", k);
	return buf;
}

/* Parse @p as base BTF (or split on @base) and fill @f. */
static int btf_facts(struct btf_facts *f, const char *role, const uint8_t *p, size_t size,
		     const struct kbtf_btf *base, const char *base_name, struct kbtf_btf **keep)
{
	struct kbtf_parse_opts o = {.base = base, .name = role};
	struct kbtf_btf *btf;
	int err;

	memset(f, 0, sizeof(*f));
	f->role = role;
	err = read_header(f, p, size);
	if (err)
		return err;
	find_members(f, p, size);
	if (f->nr_members > 1)
		return 0; /* listed member by member */
	if (f->split && !base) {
		walk_records(f, p);
		return 0;
	}
	err = kbtf_btf_parse(p, size, &o, &btf);
	if (err)
		return err;
	f->base_name = base ? base_name : NULL;
	count_kinds(f, btf);
	if (keep)
		*keep = btf;
	else
		kbtf_btf_free(btf);
	return 0;
}

/* ---------------------------------------------------------------- output */

static const char *endian_str(enum kbtf_endian e)
{
	return e == KBTF_ENDIAN_BIG ? "big" : "little";
}

static void text_btf(const struct btf_facts *f, const uint8_t *p)
{
	char name[16];
	uint32_t k;
	int i;

	printf("  %s: %zu bytes, header %u bytes (version %u, flags %u), %s-endian\n", f->role,
	       f->bytes, f->hdr_len, f->version, f->flags, endian_str(f->endian));
	/* the fields past the 24-byte header: zero ones are read by every
	 * kernel, nonzero ones only by 7.1+ (kernel_gen.c) */
	if (f->hdr_len > KBTF_HDR_LEN_CLASSIC)
		printf("    header tail: layout_off %u, layout_len %u (%s)\n", f->layout_off,
		       f->layout_len,
		       f->layout_off || f->layout_len
			   ? "a kind-layout section: kernels before 7.1 refuse the header"
			   : "zero: kernels before 7.1 read it as a 24-byte header");
	if (f->layout_len)
		printf("    kind layout: %u kinds described\n", f->layout_len / 4);
	printf("    type section %u bytes, string section %u bytes\n", f->type_len, f->str_len);
	if (f->nr_members > 1) {
		printf("    archive of %d BTF blobs:\n", f->nr_members);
		for (i = 0; i < f->nr_members; i++) {
			struct btf_facts m;

			if (read_header(&m, p + f->members[i].offset, f->members[i].size))
				continue;
			printf("      [%d] offset %zu, %zu bytes: ", i, f->members[i].offset,
			       f->members[i].size);
			if (f->member_split[i])
				printf("split layer on [%d], %ld types, ", i - 1,
				       f->member_types[i]);
			else if (f->member_types[i] >= 0)
				printf("%ld types, ", f->member_types[i]);
			else
				printf("does not parse, ");
			printf("type section %u bytes, strings %u bytes\n", m.type_len, m.str_len);
		}
		return;
	}
	if (f->split && !f->str_len)
		printf("    split BTF: empty string section (any names it has are its "
		       "base's)\n");
	else if (f->split)
		printf("    split BTF: string section starts with 0x%02x, not NUL (continues a "
		       "base's strings)\n",
		       f->first_str);
	if (f->parsed) {
		if (f->base_name)
			printf("    parsed on base: %s (ids from %u)\n", f->base_name, f->start_id);
		printf("    types: %u", f->types);
		if (f->start_id > 1)
			printf(" (%u with the base)", f->types_with_base);
		printf("\n");
		if (f->unknown_kinds)
			printf("    unknown kinds skipped (sized by the kind layout): %u\n",
			       f->unknown_kinds);
		printf("    order: %s\n", f->sorted ? "sorted by name" : "not sorted by name");
	} else if (f->walked) {
		printf("    base not given (--base SOURCE): not validated; %u records walked%s\n",
		       f->walk_types, f->walk_complete ? "" : " before an unknown or bad record");
	}
	for (k = 0; k < NR_KINDS; k++)
		if (f->kinds[k])
			printf("      %-10s %u%s\n", kind_name(k, name, sizeof(name)), f->kinds[k],
			       k > KBTF_KIND_MAX_KNOWN ? " (unknown kind, skipped)" : "");
}

static void json_btf(struct kbtf_json *j, const char *key, const struct btf_facts *f,
		     const uint8_t *p)
{
	char name[16];
	uint32_t k;
	int i;

	kbtf_json_kv_object(j, key);
	kbtf_json_kv_uint(j, "bytes", f->bytes);
	kbtf_json_kv_uint(j, "header_len", f->hdr_len);
	kbtf_json_kv_uint(j, "version", f->version);
	kbtf_json_kv_uint(j, "flags", f->flags);
	kbtf_json_kv_string(j, "endianness", endian_str(f->endian));
	kbtf_json_kv_uint(j, "type_bytes", f->type_len);
	kbtf_json_kv_uint(j, "string_bytes", f->str_len);
	kbtf_json_kv_uint(j, "layout_off", f->layout_off);
	kbtf_json_kv_uint(j, "layout_len", f->layout_len);
	kbtf_json_kv_uint(j, "kind_layout_kinds", f->layout_len / 4);
	kbtf_json_kv_bool(j, "split", f->split);
	kbtf_json_kv_uint(j, "first_string_byte", f->first_str);
	kbtf_json_kv_bool(j, "parsed", f->parsed);
	kbtf_json_kv_string(j, "base", f->base_name);
	if (f->nr_members > 1) {
		kbtf_json_kv_array(j, "archive");
		for (i = 0; i < f->nr_members; i++) {
			struct btf_facts m;

			kbtf_json_object_start(j);
			kbtf_json_kv_uint(j, "offset", f->members[i].offset);
			kbtf_json_kv_uint(j, "bytes", f->members[i].size);
			if (!read_header(&m, p + f->members[i].offset, f->members[i].size)) {
				kbtf_json_kv_uint(j, "type_bytes", m.type_len);
				kbtf_json_kv_uint(j, "string_bytes", m.str_len);
			}
			if (f->member_types[i] >= 0)
				kbtf_json_kv_int(j, "types", f->member_types[i]);
			else
				kbtf_json_kv_null(j, "types");
			kbtf_json_kv_bool(j, "split", f->member_split[i]);
			kbtf_json_object_end(j);
		}
		kbtf_json_array_end(j);
	}
	if (f->parsed) {
		kbtf_json_kv_uint(j, "start_id", f->start_id);
		kbtf_json_kv_uint(j, "types", f->types);
		kbtf_json_kv_uint(j, "types_with_base", f->types_with_base);
		kbtf_json_kv_uint(j, "unknown_kinds_skipped", f->unknown_kinds);
		kbtf_json_kv_bool(j, "sorted_by_name", f->sorted);
	} else if (f->walked) {
		kbtf_json_kv_uint(j, "records_walked", f->walk_types);
		kbtf_json_kv_bool(j, "walk_complete", f->walk_complete);
	}
	if (f->parsed || f->walked) {
		kbtf_json_kv_object(j, "kinds");
		for (k = 0; k < NR_KINDS; k++)
			if (f->kinds[k])
				kbtf_json_kv_uint(j, kind_name(k, name, sizeof(name)), f->kinds[k]);
		kbtf_json_object_end(j);
	}
	kbtf_json_object_end(j);
}

/* ---------------------------------------------------------------- kernels */

/*
 * The split layers stacked on the vmlinux BTF (profile files, or an
 * archive whose later blobs continue the first). A stack that does not
 * build is left to the BTF facts, which already say what the blob is.
 */
static bool has_layers(struct kbtf_kernel *k)
{
	return kbtf_kernel_btf_stack(k) && k->nr_layers;
}

static void json_layers(struct kbtf_json *j, struct kbtf_kernel *k)
{
	size_t i;

	if (!has_layers(k))
		return;
	kbtf_json_kv_uint(j, "stack_types", kbtf_kernel_stack_types(k));
	kbtf_json_kv_array(j, "layers");
	for (i = 0; i < k->nr_layers; i++) {
		const struct kbtf_kernel_layer *l = &k->layers[i];

		kbtf_json_object_start(j);
		kbtf_json_kv_string(j, "from", l->from);
		kbtf_json_kv_uint(j, "bytes", l->raw.size);
		kbtf_json_kv_uint(j, "first_id", kbtf_btf_start_id(l->btf));
		kbtf_json_kv_uint(j, "types",
				  kbtf_btf_type_cnt(l->btf) - kbtf_btf_start_id(l->btf));
		kbtf_json_object_end(j);
	}
	kbtf_json_array_end(j);
}

static void text_layers(struct kbtf_kernel *k)
{
	size_t i;

	if (!has_layers(k))
		return;
	printf("  stacked layers: %zu on the vmlinux BTF, %u types in all\n", k->nr_layers,
	       kbtf_kernel_stack_types(k));
	for (i = 0; i < k->nr_layers; i++) {
		const struct kbtf_btf *b = k->layers[i].btf;
		uint32_t first = kbtf_btf_start_id(b), end = kbtf_btf_type_cnt(b);

		printf("    %zu. %s: %u types (ids %u..%u), %zu bytes\n", i + 1, k->layers[i].from,
		       end - first, first, end - 1, k->layers[i].raw.size);
	}
}

/* @b: the file's content when read already (NULL: a name or directory). */
static int inspect_kernel(const char *src, struct kbtf_buf *b, const struct inspect_opts *o,
			  struct kbtf_json *j)
{
	struct kbtf_kernel *k;
	struct btf_facts f;
	int i, err;

	err = b ? kbtf_kernel_open_read(src, b, NULL, &k) : kbtf_kernel_open(src, NULL, &k);
	if (err)
		return err;
	for (i = 0; i < o->nr_layers && !err; i++)
		err = kbtf_kernel_add_layer(k, o->layers[i]);
	if (err)
		goto out;
	err = btf_facts(&f, "BTF", k->btf_raw.data, k->btf_raw.size, NULL, NULL, NULL);
	if (err)
		goto out;
	if (j) {
		kbtf_json_object_start(j);
		kbtf_json_kv_string(j, "source", src);
		kbtf_json_kv_string(j, "kind", "kernel");
		kbtf_json_kv_string(j, "format", kbtf_format_str(k->format));
		kbtf_json_kv_string(j, "detail", k->format_detail);
		kbtf_json_kv_string(j, "compression",
				    k->compression ? kbtf_compression_str(k->compression) : NULL);
		kbtf_json_kv_string(j, "arch", k->arch);
		kbtf_json_kv_string(j, "endianness", endian_str(k->endian));
		kbtf_json_kv_string(j, "release", k->release);
		kbtf_json_kv_string(j, "release_from", k->release_from);
		kbtf_json_kv_bool(j, "config_found", k->config != NULL);
		kbtf_json_kv_string(j, "config_from", k->config_from);
		kbtf_json_kv_string(j, "module_symvers", k->symvers_path);
		/* a package's image was unpacked into a temporary dir, gone on exit */
		kbtf_json_kv_string(j, "image", k->format == KBTF_FMT_DEB ? NULL : k->image_path);
		json_btf(j, "btf", &f, k->btf_raw.data);
		json_layers(j, k);
		kbtf_json_object_end(j);
	} else {
		printf("%s\n", src);
		printf("  format: %s\n", k->format_detail);
		if (k->compression)
			printf("  compression: %s\n", kbtf_compression_str(k->compression));
		printf("  arch: %s, %s-endian\n", k->arch ? k->arch : "unknown",
		       endian_str(k->endian));
		if (k->release)
			printf("  release: %s (from %s)\n", k->release, k->release_from);
		else
			printf("  release: unknown\n");
		printf("  config: %s\n", k->config ? k->config_from : "not found");
		printf("  Module.symvers: %s\n", k->symvers_path ? k->symvers_path : "not found");
		if (k->image_path && k->format != KBTF_FMT_DEB)
			printf("  boot image: %s\n", k->image_path);
		text_btf(&f, k->btf_raw.data);
		text_layers(k);
	}
out:
	kbtf_kernel_free(k);
	return err;
}

/* ---------------------------------------------------------------- modules */

/*
 * The base, opened once for every SOURCE that needs it: --base may be a
 * FIFO or a pipe, which has no second reading. A failure is kept too, and
 * said again for each source.
 */
static struct {
	const char *src;
	struct kbtf_kernel *k;
	struct kbtf_btf *btf;
	int err;
	char *why;
} base_once;

static void base_release(void)
{
	kbtf_kernel_free(base_once.k);
	free(base_once.why);
	memset(&base_once, 0, sizeof(base_once));
}

/* The kernel a split BTF is parsed on, and its parsed BTF; both stay ours. */
static int open_base(const char *src, struct kbtf_kernel **k, struct kbtf_btf **btf)
{
	int err;

	if (!base_once.src || strcmp(base_once.src, src)) {
		base_release();
		base_once.src = src;
		err = kbtf_kernel_open(src, NULL, &base_once.k);
		if (err)
			err = kbtf_err_prefix(err, "base %s", src);
		else if (!(base_once.btf = kbtf_kernel_btf(base_once.k)))
			err = -EINVAL; /* kbtf_kernel_btf's message names the base */
		base_once.err = err;
		base_once.why = err ? strdup(kbtf_errstr()) : NULL;
	} else if (base_once.err) {
		kbtf_err(base_once.err, "%s", base_once.why ? base_once.why : "base unreadable");
	}
	*k = base_once.k;
	*btf = base_once.btf;
	return base_once.err;
}

struct module_view {
	struct btf_facts btf, base;
	bool has_btf, has_base;
	enum kbtf_base_origin origin; /* who distilled .BTF.base */
	const char *base_note;
	size_t with_crc;
};

/* The module's BTF: on .BTF.base, on --base, alone when complete. */
static int module_btf(struct kbtf_module *m, const struct inspect_opts *o, struct module_view *v)
{
	struct kbtf_btf *dist = NULL, *kb = NULL;
	struct kbtf_kernel *k = NULL;
	struct btf_facts probe;
	int err = 0;

	v->has_btf = m->btf_size > 0;
	v->has_base = m->btf_base_size > 0;
	v->origin = kbtf_base_origin(m, NULL);
	if (v->has_base) {
		err = btf_facts(&v->base, ".BTF.base", m->btf_base_data, m->btf_base_size, NULL,
				NULL, &dist);
		if (err)
			return err;
		if (o->base)
			v->base_note = "--base not used: the module carries .BTF.base";
	}
	if (!v->has_btf)
		goto out;
	memset(&probe, 0, sizeof(probe));
	probe.role = ".BTF";
	err = read_header(&probe, m->btf_data, m->btf_size);
	if (err)
		goto out;
	if (!dist && probe.split && o->base) {
		err = open_base(o->base, &k, &kb);
		if (err)
			goto out;
	}
	err = btf_facts(&v->btf, ".BTF", m->btf_data, m->btf_size, dist ? dist : kb,
			dist ? ".BTF.base" : o->base, NULL);
out:
	kbtf_btf_free(dist);
	return err;
}

static void text_module(const struct kbtf_module *m, const struct module_view *v)
{
	printf("%s\n", m->path);
	printf("  format: kernel module (ELF relocatable, %s, %s-endian)\n", m->arch,
	       endian_str(m->endian));
	printf("  compression: %s\n", kbtf_compression_str(m->compression));
	printf("  name: %s\n", m->name ? m->name : "(none)");
	printf("  vermagic: %s\n", m->vermagic ? m->vermagic : "(none)");
	printf("  depends: %s\n", m->depends && *m->depends ? m->depends : "(none)");
	if (m->sig_len)
		printf("  signature: appended, %zu bytes\n", m->sig_len);
	else
		printf("  signature: none\n");
	printf("  sections: .BTF %s, .BTF.base %s, .BTF_ids %s, DWARF %s\n",
	       v->has_btf ? "yes" : "no", v->has_base ? "yes" : "no",
	       m->btf_ids_size ? "yes" : "no", m->has_dwarf ? "yes" : "no");
	printf("  undefined symbols: %zu (%zu with modversions CRCs)\n", m->nr_undef, v->with_crc);
	if (v->base_note)
		printf("  note: %s\n", v->base_note);
	if (v->origin != KBTF_BASE_NONE)
		printf("  base distilled: %s\n", kbtf_base_origin_str(v->origin));
	if (v->has_base)
		text_btf(&v->base, m->btf_base_data);
	if (v->has_btf)
		text_btf(&v->btf, m->btf_data);
	inspect_access_text(m);
}

static void json_module(struct kbtf_json *j, const struct kbtf_module *m,
			const struct module_view *v)
{
	kbtf_json_object_start(j);
	kbtf_json_kv_string(j, "source", m->path);
	kbtf_json_kv_string(j, "kind", "module");
	kbtf_json_kv_string(j, "format", kbtf_format_str(KBTF_FMT_MODULE));
	kbtf_json_kv_string(j, "compression",
			    m->compression ? kbtf_compression_str(m->compression) : NULL);
	kbtf_json_kv_string(j, "arch", m->arch);
	kbtf_json_kv_string(j, "endianness", endian_str(m->endian));
	kbtf_json_kv_string(j, "name", m->name);
	kbtf_json_kv_string(j, "vermagic", m->vermagic);
	kbtf_json_kv_string(j, "depends", m->depends);
	kbtf_json_kv_bool(j, "signed", m->sig_len > 0);
	kbtf_json_kv_uint(j, "signature_bytes", m->sig_len);
	kbtf_json_kv_bool(j, "has_btf", v->has_btf);
	kbtf_json_kv_bool(j, "has_btf_base", v->has_base);
	kbtf_json_kv_bool(j, "has_btf_ids", m->btf_ids_size > 0);
	kbtf_json_kv_bool(j, "has_dwarf", m->has_dwarf);
	kbtf_json_kv_uint(j, "undefined_symbols", m->nr_undef);
	kbtf_json_kv_uint(j, "symbols_with_crc", v->with_crc);
	if (v->base_note)
		kbtf_json_kv_string(j, "note", v->base_note);
	kbtf_json_kv_string(j, "base_distilled_by", kbtf_base_origin_key(v->origin));
	if (v->has_base)
		json_btf(j, "btf_base", &v->base, m->btf_base_data);
	if (v->has_btf)
		json_btf(j, "btf", &v->btf, m->btf_data);
	inspect_access_json(j, m);
	kbtf_json_object_end(j);
}

/* @b: the file's content, read once; it outlives the module. */
static int inspect_module(const char *src, const struct kbtf_buf *b, const struct inspect_opts *o,
			  struct kbtf_json *j)
{
	static const struct kbtf_elf_target file_only = {.file_only = true};
	char why[320];
	struct module_view v;
	struct kbtf_module *m;
	size_t i;
	int err;

	memset(&v, 0, sizeof(v));
	err = kbtf_module_open_buf(b->data, b->size, src, &m);
	if (err)
		return err;
	/* a file cut short or with a broken section table: the reader saw
	 * no sections at all, so there is nothing true to show */
	if (kbtf_module_elf_check(m->image.data, m->image.size, &file_only, why, sizeof(why))) {
		err = kbtf_err(-EINVAL,
			       "truncated or malformed ELF: %s (the kernel's loader "
			       "refuses it the same way)",
			       why);
		goto out;
	}
	err = module_btf(m, o, &v);
	if (err)
		goto out;
	for (i = 0; i < m->nr_undef; i++)
		v.with_crc += m->undef[i].has_crc;
	if (j)
		json_module(j, m, &v);
	else
		text_module(m, &v);
out:
	kbtf_module_free(m);
	return err;
}

/* ---------------------------------------------------------------- split BTF */

/* A raw split BTF (a module's, e.g. /sys/kernel/btf/<module>). */
static int inspect_split(const char *src, const struct inspect_opts *o, struct kbtf_buf *b,
			 struct kbtf_json *j)
{
	const char *base = o->base;
	struct kbtf_kernel *k = NULL;
	struct kbtf_btf *kb = NULL;
	struct btf_facts f;
	int err;

	if (!base && !strncmp(src, SYS_BTF, strlen(SYS_BTF)))
		base = SYS_BTF "vmlinux";
	if (base) {
		err = open_base(base, &k, &kb);
		if (err)
			goto out;
	}
	err = btf_facts(&f, "BTF", b->data, b->size, kb, base, NULL);
	if (err)
		goto out;
	if (j) {
		kbtf_json_object_start(j);
		kbtf_json_kv_string(j, "source", src);
		kbtf_json_kv_string(j, "kind", "split BTF");
		kbtf_json_kv_string(j, "format", kbtf_format_str(KBTF_FMT_RAW_BTF));
		kbtf_json_kv_string(j, "endianness", endian_str(f.endian));
		json_btf(j, "btf", &f, b->data);
		kbtf_json_object_end(j);
	} else {
		printf("%s\n  format: raw split BTF (a module's)\n", src);
		text_btf(&f, b->data);
	}
out:
	return err;
}

/* ---------------------------------------------------------------- dispatch */

enum what { WHAT_KERNEL, WHAT_MODULE, WHAT_SPLIT };

/* Peek at a file to tell a module or a split BTF from a kernel source. */
static enum what classify(const char *src, struct kbtf_buf *b)
{
	struct kbtf_buf head = {0};
	const uint8_t *p = b->data;
	size_t size = b->size;
	enum kbtf_compression c = kbtf_compression_detect(p, size);
	enum what w = WHAT_KERNEL;
	struct btf_facts f;

	if (c != KBTF_COMP_NONE) {
		if (kbtf_decompress_prefix(c, p, size, 64, &head))
			return WHAT_KERNEL; /* the kernel reader will say what is wrong */
		p = head.data;
		size = head.size;
	}
	memset(&f, 0, sizeof(f));
	f.role = "BTF";
	if (kbtf_elf_detect(p, size) && size >= 18) {
		/* e_type, in the byte order EI_DATA (byte 5) gives */
		unsigned int type =
		    p[5] == 2 ? (unsigned int)p[16] << 8 | p[17] : (unsigned int)p[17] << 8 | p[16];

		if (type == 1 /* ET_REL */)
			w = WHAT_MODULE;
	} else if (c == KBTF_COMP_NONE && kbtf_btf_has_magic(p, size) &&
		   (read_header(&f, p, size) || f.split)) {
		/* split, or a header no reader takes: inspect_split() says which */
		w = WHAT_SPLIT;
	}
	kbtf_buf_release(&head);
	return w;
}

static int inspect_one(const char *src, const struct inspect_opts *o, struct kbtf_json *j)
{
	struct kbtf_buf b;
	struct stat st;
	enum what w;
	int err;

	if (stat(src, &st) < 0 || S_ISDIR(st.st_mode))
		return inspect_kernel(src, NULL, o, j);
	/* read once, and what it is read from these bytes: a FIFO or <(...)
	 * has no second reading */
	err = kbtf_buf_from_file(src, &b);
	if (err)
		return err;
	w = classify(src, &b);
	if (w == WHAT_SPLIT)
		err = inspect_split(src, o, &b, j);
	else if (w == WHAT_MODULE)
		err = inspect_module(src, &b, o, j);
	else
		err = inspect_kernel(src, &b, o, j);
	kbtf_buf_release(&b);
	return err;
}

/*
 * Every SOURCE, --base and --layer is there before anything is shown: one
 * line "kbtf: <file>: <reason>" for each that is not, and nothing on
 * stdout. Sources that are there but do not read are reported in turn.
 */
static int check_inputs(int argc, char **argv, const struct inspect_opts *o)
{
	int i, bad = 0;

	for (i = 0; i < argc; i++) {
		if (kbtf_kernel_source_check(argv[i])) {
			cmd_report_error(argv[i]);
			bad++;
		}
	}
	if (o->base && kbtf_kernel_source_check(o->base)) {
		cmd_report_error(o->base);
		bad++;
	}
	for (i = 0; i < o->nr_layers; i++) {
		if (kbtf_file_check(o->layers[i])) {
			cmd_report_error(o->layers[i]);
			bad++;
		}
	}
	return bad;
}

int cmd_inspect(int argc, char **argv)
{
	static const struct option longopts[] = {
	    {"json", no_argument, NULL, 'j'},
	    {"pretty", no_argument, NULL, 'p'},
	    {"base", required_argument, NULL, 'b'},
	    {"layer", required_argument, NULL, 'L'},
	    {"help", no_argument, NULL, 'h'},
	    {"moddir", required_argument, NULL, 'M'},
	    {NULL, 0, NULL, 0},
	};
	static const struct cmd_spec spec = {
	    .name = "inspect",
	    .usage = inspect_usage,
	    .options = longopts,
	    .optstring = "jpb:L:h",
	    .common = CMD_OPT_JSON,
	};
	struct inspect_opts o = {0};
	struct cmd_parser p;
	struct kbtf_json *j = NULL;
	const char *moddir = NULL;
	char **src;
	int c, i, nsrc, rc = KBTF_EXIT_OK, err;

	cmd_parser_init(&p, &spec, argc, argv);
	while ((c = cmd_getopt(&p)) != -1) {
		switch (c) {
		case 'b':
			o.base = optarg;
			break;
		case 'L':
			if (o.nr_layers == KBTF_KERNEL_MAX_LAYERS) {
				fprintf(stderr, "kbtf inspect: more than %d --layer options\n",
					KBTF_KERNEL_MAX_LAYERS);
				return KBTF_EXIT_USAGE;
			}
			o.layers[o.nr_layers++] = optarg;
			break;
		case 'M':
			moddir = optarg;
			break;
		}
	}
	if (p.stop)
		return p.exit;
	o.json = p.opts.json;
	o.pretty = p.opts.pretty;
	if (optind >= argc) {
		fprintf(stderr, "kbtf inspect: no SOURCE given; see 'kbtf inspect --help'\n");
		return KBTF_EXIT_USAGE;
	}
	/* names first: a stored profile or release of that name stays a kernel */
	rc = cmd_module_args(argc - optind, argv + optind, moddir, true, &src, &nsrc);
	if (rc)
		return rc;
	if (check_inputs(nsrc, src, &o)) {
		cmd_module_args_free(src, nsrc);
		return KBTF_EXIT_USAGE;
	}
	if (o.json) {
		j = kbtf_json_new(stdout, o.pretty);
		if (!j) {
			fprintf(stderr, "kbtf: out of memory\n");
			cmd_module_args_free(src, nsrc);
			return KBTF_EXIT_USAGE;
		}
		kbtf_json_array_start(j);
	}
	for (i = 0; i < nsrc; i++) {
		if (!j && i > 0)
			printf("\n");
		kbtf_err_clear();
		err = inspect_one(src[i], &o, j);
		if (err) {
			rc = cmd_worst(rc, cmd_error(src[i], err));
			if (j) {
				kbtf_json_object_start(j);
				kbtf_json_kv_string(j, "source", src[i]);
				kbtf_json_kv_string(j, "error", kbtf_errstr());
				kbtf_json_object_end(j);
			}
		}
	}
	cmd_module_args_free(src, nsrc);
	base_release();
	if (j) {
		kbtf_json_array_end(j);
		err = kbtf_json_free(j);
		rc = cmd_worst(rc, cmd_exit_code(err));
	}
	fflush(stdout);
	return rc;
}
