// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * A kernel's BTF as a stack: the vmlinux BTF at the bottom and split
 * layers on top (a "vmlinux.vars"-style file of global variables), each
 * continuing the ids and strings of the one below. Relocation and name
 * lookups run on the top layer, whose logical ids reach every layer, so
 * the bottom layer's types come first, as in the kernel's ascending scan.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "elf_read.h"
#include "kbtf/err.h"
#include "hash.h"
#include "kbtf/source.h"
#include "kernel_priv.h"

/* The BTF a layer sits on: the top of the stack so far. */
static struct kbtf_btf *current_top(struct kbtf_kernel *k)
{
	struct kbtf_btf *vmlinux = kbtf_kernel_btf(k); /* stacks an archive's layers */

	if (vmlinux && k->nr_layers)
		return k->layers[k->nr_layers - 1].btf;
	return vmlinux;
}

/*
 * Why bytes that do not look split are no layer: a whole BTF of its own,
 * or no readable BTF at all (truncated, say), which its parse tells.
 */
static int not_split(const struct kbtf_buf *raw, const char *from)
{
	struct kbtf_parse_opts o = {.name = from};
	struct kbtf_btf *btf;
	int err = kbtf_btf_parse(raw->data, raw->size, &o, &btf);

	if (err)
		return err;
	kbtf_btf_free(btf);
	return kbtf_err(-EINVAL,
			"%s: a complete BTF, not a split layer (its strings do not continue the "
			"layer below)",
			from);
}

/*
 * Parse @raw (taken over on success) as a split on the current top and
 * push it. The parse uses the bytes in place, so a layer keeps them.
 */
static int push_layer(struct kbtf_kernel *k, struct kbtf_buf *raw, const char *from,
		      bool in_archive)
{
	struct kbtf_parse_opts o = {.name = from};
	struct kbtf_kernel_layer *l;
	struct kbtf_btf *btf;
	int err;

	if (k->nr_layers >= KBTF_KERNEL_MAX_LAYERS)
		return kbtf_err(-E2BIG, "%s: more than %d BTF layers", from,
				KBTF_KERNEL_MAX_LAYERS);
	if (!kbtf_btf_has_magic(raw->data, raw->size))
		return kbtf_err(-EINVAL, "%s: not BTF", from);
	if (!kbtf_btf_is_split(raw->data, raw->size))
		return not_split(raw, from);
	o.base = current_top(k);
	if (!o.base)
		return -EINVAL; /* kbtf_kernel_btf said why */
	err = kbtf_btf_parse(raw->data, raw->size, &o, &btf);
	if (err)
		return kbtf_err_prefix(err, "layer on %s", kbtf_btf_name(o.base));
	l = realloc(k->layers, sizeof(*l) * (k->nr_layers + 1));
	if (!l) {
		kbtf_btf_free(btf);
		return kbtf_err_nomem();
	}
	k->layers = l;
	l += k->nr_layers;
	memset(l, 0, sizeof(*l));
	l->from = strdup(from);
	if (!l->from) {
		kbtf_btf_free(btf);
		return kbtf_err_nomem();
	}
	kbtf_buf_move(&l->raw, raw);
	l->btf = btf;
	l->in_archive = in_archive;
	k->nr_layers++;
	return 0;
}

int kbtf_kernel_add_layer_buf(struct kbtf_kernel *k, const void *data, size_t size,
			      const char *from)
{
	struct kbtf_buf raw;
	int err;

	err = kbtf_buf_dup(data, size, &raw);
	if (err)
		return err;
	err = push_layer(k, &raw, from, false);
	kbtf_buf_release(&raw);
	return err;
}

/* The .BTF of an ELF file, copied out so the file can go. */
static int layer_from_elf(const char *path, struct kbtf_buf *file, struct kbtf_buf *raw)
{
	struct kbtf_elf_sec sec;
	struct kbtf_elf *e;
	int err;

	err = kbtf_elf_open(file->data, file->size, &e);
	if (err)
		return kbtf_err_prefix(err, "%s", path);
	err = kbtf_elf_section(e, ".BTF", &sec);
	if (err == -ENOENT || (!err && !sec.size))
		err = kbtf_err(-ENOENT, "%s: ELF file without a .BTF section", path);
	else if (!err)
		err = kbtf_buf_dup(sec.data, sec.size, raw);
	kbtf_elf_close(e);
	return err;
}

/* Layers are small, but a compressed one still has a sane bound. */
#define MAX_LAYER_BYTES (1ul << 30)

int kbtf_kernel_add_layer(struct kbtf_kernel *k, const char *path)
{
	struct kbtf_buf file, raw = {0};
	enum kbtf_compression c;
	int err;

	err = kbtf_buf_from_file(path, &file);
	if (err)
		return kbtf_err_prefix(err, "%s", path);
	c = kbtf_compression_detect(file.data, file.size);
	if (c != KBTF_COMP_NONE) {
		err = kbtf_decompress(c, file.data, file.size, MAX_LAYER_BYTES, &raw);
		kbtf_buf_release(&file);
		if (err)
			return kbtf_err_prefix(err, "%s (%s)", path, kbtf_compression_str(c));
		kbtf_buf_move(&file, &raw);
	}
	if (kbtf_elf_detect(file.data, file.size)) {
		err = layer_from_elf(path, &file, &raw);
		kbtf_buf_release(&file);
	} else {
		kbtf_buf_move(&raw, &file);
	}
	if (!err)
		err = push_layer(k, &raw, path, false);
	kbtf_buf_release(&raw);
	return err;
}

struct kbtf_btf *kbtf_kernel_btf_stack(struct kbtf_kernel *k)
{
	return current_top(k);
}

uint32_t kbtf_kernel_stack_types(struct kbtf_kernel *k)
{
	struct kbtf_btf *top = current_top(k);

	return top ? kbtf_btf_type_cnt(top) - 1 : 0;
}

uint64_t kbtf_kernel_btf_hash(const struct kbtf_kernel *k)
{
	uint64_t h = kbtf_hash_bytes(k->btf_raw.data, k->btf_raw.size);
	size_t i;

	for (i = 0; i < k->nr_layers; i++)
		if (!k->layers[i].in_archive)
			h = (h ^ kbtf_hash_bytes(k->layers[i].raw.data, k->layers[i].raw.size)) *
			    1099511628211ull;
	return h;
}

/*
 * Sound to combine only when the blobs are a stack: the first a complete
 * BTF and every later one split (its strings continue the one before).
 * Per-object blobs are each complete and would need deduplication.
 */
bool kbtf_kernel_archive_is_stack(const struct kbtf_kernel *k, const struct kbtf_archive_member *m,
				  int n)
{
	const uint8_t *d = k->btf_raw.data;
	int i;

	if (n > KBTF_KERNEL_MAX_LAYERS + 1 || kbtf_btf_is_split(d, m[0].size))
		return false;
	for (i = 1; i < n; i++)
		if (!kbtf_btf_is_split(d + m[i].offset, m[i].size))
			return false;
	return true;
}

int kbtf_kernel_stack_archive(struct kbtf_kernel *k, const struct kbtf_archive_member *m, int n)
{
	char from[64];
	int i, err;

	for (i = 1; i < n; i++) {
		struct kbtf_buf raw = {(uint8_t *)k->btf_raw.data + m[i].offset, m[i].size,
				       KBTF_BUF_BORROWED};

		snprintf(from, sizeof(from), "archive member %d", i + 1);
		err = push_layer(k, &raw, from, true);
		if (err)
			return kbtf_err_prefix(err, "%s", k->source);
	}
	return 0;
}

void kbtf_kernel_layers_free(struct kbtf_kernel *k)
{
	size_t i = k->nr_layers;

	/* top first: each layer's BTF refers to the one below */
	while (i--) {
		kbtf_btf_free(k->layers[i].btf);
		kbtf_buf_release(&k->layers[i].raw);
		free(k->layers[i].from);
	}
	free(k->layers);
	k->layers = NULL;
	k->nr_layers = 0;
}
