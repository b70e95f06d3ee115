// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * A kernel module as kbtf sees it: read the file, undo its compression
 * (recognised by magic), cut off an appended signature, and collect from the
 * ELF what the other parts ask about: the BTF sections, .modinfo, and the
 * undefined symbols with their modversions CRCs.
 *
 * .modinfo is read here straight from the ELF section (NUL-separated
 * key=value strings) rather than through libkmod: libkmod wants a path and
 * re-reads and decompresses the file itself, while we already hold the
 * decompressed image in memory and need the same code for buffers that
 * never were files (the fuzzer, in-memory .deb members).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kbtf/elf.h"
#include "kbtf/err.h"
#include "kbtf/source.h"

#define MODULE_MAX_SIZE (512ull << 20) /* a decompressed .ko larger than this is a bomb */
#define SIG_MAGIC "~Module signature appended~\n"
#define SIG_MAGIC_LEN (sizeof(SIG_MAGIC) - 1)
#define SIG_INFO_LEN 12 /* struct module_signature */

/* Offset of name[] in struct module: after state (4, padded) and a list_head. */
#define THIS_MODULE_NAME_OFF(cls) ((cls) == 64 ? 24u : 12u)
#define MODULE_NAME_LEN(cls) ((cls) == 64 ? 56u : 60u)

/* The public struct plus the bytes its image points into. */
struct module_priv {
	struct kbtf_module m;
	struct kbtf_buf file; /* mapping, decompressed heap copy, or borrowed */
};

/*
 * Cut an appended signature off @img: the trailer is the PKCS#7 blob, a
 * 12-byte struct module_signature whose last 4 bytes are the big-endian
 * blob length, then the magic string. The cut bytes are kept verbatim.
 */
static int cut_signature(struct kbtf_module *m)
{
	const uint8_t *p = m->image.data, *info;
	size_t size = m->image.size, total;
	uint32_t sig_len;

	if (size < SIG_MAGIC_LEN || memcmp(p + size - SIG_MAGIC_LEN, SIG_MAGIC, SIG_MAGIC_LEN))
		return 0;
	if (size < SIG_MAGIC_LEN + SIG_INFO_LEN)
		return kbtf_err(-EINVAL, "signature trailer without signature information");
	info = p + size - SIG_MAGIC_LEN - SIG_INFO_LEN;
	sig_len =
	    (uint32_t)info[8] << 24 | (uint32_t)info[9] << 16 | (uint32_t)info[10] << 8 | info[11];
	total = (size_t)SIG_MAGIC_LEN + SIG_INFO_LEN + sig_len;
	if (sig_len > size || total > size)
		return kbtf_err(-EINVAL, "appended signature claims %u bytes, more than the file",
				sig_len);
	if (kbtf_buf_dup(p + size - total, total, &m->signature))
		return -ENOMEM;
	m->sig_len = total;
	m->image.size = size - total;
	return 0;
}

static char *modinfo_get(const struct kbtf_elf_sec *sec, const char *key)
{
	const char *p = (const char *)sec->data, *end = p + sec->size, *nul;
	size_t klen = strlen(key);

	while (p < end) {
		nul = memchr(p, '\0', (size_t)(end - p));
		if (!nul)
			nul = end;
		if ((size_t)(nul - p) > klen && !memcmp(p, key, klen) && p[klen] == '=')
			return strndup(p + klen + 1, (size_t)(nul - p) - klen - 1);
		p = nul + 1;
	}
	return NULL;
}

/* Older kernels put no name= in .modinfo: take struct module's name[]. */
static char *this_module_name(const struct kbtf_elf *e)
{
	struct kbtf_elf_sec sec;
	unsigned int off = THIS_MODULE_NAME_OFF(kbtf_elf_class(e));
	unsigned int max = MODULE_NAME_LEN(kbtf_elf_class(e));
	const char *name;
	size_t len;

	if (kbtf_elf_section(e, ".gnu.linkonce.this_module", &sec) || sec.size < off + max)
		return NULL;
	name = (const char *)sec.data + off;
	len = strnlen(name, max);
	if (!len || len == max)
		return NULL;
	return strndup(name, len);
}

static int read_modinfo(struct kbtf_module *m, const struct kbtf_elf *e)
{
	struct kbtf_elf_sec sec;

	if (!kbtf_elf_section(e, ".modinfo", &sec)) {
		m->name = modinfo_get(&sec, "name");
		m->vermagic = modinfo_get(&sec, "vermagic");
		m->depends = modinfo_get(&sec, "depends");
	}
	if (!m->name)
		m->name = this_module_name(e);
	return 0;
}

/* --- undefined symbols and their CRCs --- */

struct crc_entry {
	const char *name; /* inside the image */
	size_t len;
	uint32_t crc;
};

struct crc_table {
	struct crc_entry *v;
	size_t n, cap;
};

static int crc_add(struct crc_table *t, const char *name, size_t len, uint32_t crc)
{
	struct crc_entry *n;

	if (t->n == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 64;
		n = realloc(t->v, t->cap * sizeof(*n));
		if (!n)
			return kbtf_err_nomem();
		t->v = n;
	}
	t->v[t->n++] = (struct crc_entry){name, len, crc};
	return 0;
}

static int crc_cmp(const void *a, const void *b)
{
	const struct crc_entry *x = a, *y = b;
	size_t n = x->len < y->len ? x->len : y->len;
	int c = memcmp(x->name, y->name, n);

	return c ? c : (x->len > y->len) - (x->len < y->len);
}

/*
 * __versions: fixed 64-byte records { unsigned long crc; char name[]; },
 * the crc in the target's word size and byte order.
 */
static int read_versions(const struct kbtf_elf *e, struct crc_table *t)
{
	unsigned int word = kbtf_elf_class(e) == 64 ? 8 : 4;
	struct kbtf_elf_sec sec;
	size_t i, len;
	int err;

	if (kbtf_elf_section(e, "__versions", &sec))
		return 0;
	if (sec.size % 64)
		return kbtf_err(-EINVAL, "__versions is %zu bytes, not a multiple of 64", sec.size);
	for (i = 0; i < sec.size; i += 64) {
		const char *name = (const char *)sec.data + i + word;

		len = strnlen(name, 64 - word);
		if (!len || len == 64 - word)
			continue;
		err = crc_add(t, name, len, (uint32_t)kbtf_elf_read_word(e, sec.data + i, word));
		if (err)
			return err;
	}
	return 0;
}

/*
 * Extended modversions (6.14+): u32 CRCs in __version_ext_crcs, names
 * NUL-separated in __version_ext_names, both in the same order. They hold
 * the names too long for __versions (or all of them without basic ones).
 */
static int read_ext_versions(const struct kbtf_elf *e, struct crc_table *t)
{
	struct kbtf_elf_sec crcs, names;
	const char *p, *end, *nul;
	size_t i = 0;
	int err;

	if (kbtf_elf_section(e, "__version_ext_crcs", &crcs) ||
	    kbtf_elf_section(e, "__version_ext_names", &names))
		return 0;
	p = (const char *)names.data;
	end = p + names.size;
	while (p < end && (i + 1) * 4 <= crcs.size) {
		nul = memchr(p, '\0', (size_t)(end - p));
		if (!nul)
			break;
		if (nul > p) {
			err = crc_add(t, p, (size_t)(nul - p),
				      (uint32_t)kbtf_elf_read_word(e, crcs.data + i * 4, 4));
			if (err)
				return err;
		}
		i++;
		p = nul + 1;
	}
	return 0;
}

struct undef_ctx {
	struct kbtf_module *m;
	const struct crc_table *crcs;
	size_t cap;
};

static int add_undef(const char *name, void *arg)
{
	struct undef_ctx *c = arg;
	struct kbtf_module *m = c->m;
	struct crc_entry key = {name, strlen(name), 0}, *hit;
	struct kbtf_modsym *n;

	if (m->nr_undef == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 64;
		n = realloc(m->undef, c->cap * sizeof(*n));
		if (!n)
			return kbtf_err_nomem();
		m->undef = n;
	}
	n = &m->undef[m->nr_undef];
	memset(n, 0, sizeof(*n));
	n->name = strdup(name);
	if (!n->name)
		return kbtf_err_nomem();
	m->nr_undef++;
	hit = c->crcs->n ? bsearch(&key, c->crcs->v, c->crcs->n, sizeof(key), crc_cmp) : NULL;
	if (hit) {
		n->crc = hit->crc;
		n->has_crc = true;
	}
	return 0;
}

static int read_symbols(struct kbtf_module *m, const struct kbtf_elf *e)
{
	struct crc_table crcs = {0};
	struct undef_ctx c = {m, &crcs, 0};
	int err;

	err = read_versions(e, &crcs);
	if (!err)
		err = read_ext_versions(e, &crcs);
	if (!err && crcs.n)
		qsort(crcs.v, crcs.n, sizeof(*crcs.v), crc_cmp);
	if (!err)
		err = kbtf_elf_undef_symbols(e, add_undef, &c);
	free(crcs.v);
	return err;
}

static void section_ptr(const struct kbtf_elf *e, const char *name, const uint8_t **data,
			size_t *size)
{
	struct kbtf_elf_sec sec;

	if (!kbtf_elf_section(e, name, &sec) && sec.size) {
		*data = sec.data;
		*size = sec.size;
	}
}

static int read_elf(struct kbtf_module *m)
{
	struct kbtf_elf *e;
	struct kbtf_elf_sec sec;
	int err;

	err = kbtf_elf_open(m->image.data, m->image.size, &e);
	if (err)
		return kbtf_err_prefix(err, "not a kernel module");
	if (!kbtf_elf_is_rel(e)) {
		err =
		    kbtf_err(-EINVAL, "not a kernel module: ELF file is not relocatable (ET_REL)");
		goto out;
	}
	m->arch = strdup(kbtf_elf_arch(e));
	m->endian = kbtf_elf_endian(e);
	/* a .BTF that points outside the file is an error, not "absent" */
	err = kbtf_elf_section(e, ".BTF", &sec);
	if (err == -EINVAL)
		goto out;
	err = kbtf_elf_section(e, ".BTF.base", &sec);
	if (err == -EINVAL)
		goto out;
	section_ptr(e, ".BTF", &m->btf_data, &m->btf_size);
	section_ptr(e, ".BTF.base", &m->btf_base_data, &m->btf_base_size);
	section_ptr(e, ".BTF_ids", &m->btf_ids_data, &m->btf_ids_size);
	m->has_dwarf = kbtf_elf_has_dwarf(e);
	err = read_modinfo(m, e);
	if (!err)
		err = read_symbols(m, e);
	if (!err && !m->arch)
		err = kbtf_err_nomem();
out:
	kbtf_elf_close(e);
	return err;
}

/* Fill @p->m from @p->file (a whole .ko or .ko.<comp> as read). */
static int module_load(struct module_priv *p)
{
	struct kbtf_module *m = &p->m;
	struct kbtf_buf plain;
	int err;

	m->compression = kbtf_compression_detect(p->file.data, p->file.size);
	if (m->compression != KBTF_COMP_NONE) {
		err = kbtf_decompress(m->compression, p->file.data, p->file.size, MODULE_MAX_SIZE,
				      &plain);
		if (err)
			return kbtf_err_prefix(err, "%s", kbtf_compression_str(m->compression));
		kbtf_buf_release(&p->file);
		kbtf_buf_move(&p->file, &plain);
	}
	/* the image is a view: the signature is cut by shortening it */
	m->image = (struct kbtf_buf){p->file.data, p->file.size, KBTF_BUF_BORROWED};
	err = cut_signature(m);
	if (!err)
		err = read_elf(m);
	return err;
}

static int module_new(const char *path, struct module_priv **out)
{
	struct module_priv *p = calloc(1, sizeof(*p));

	*out = NULL;
	if (!p)
		return kbtf_err_nomem();
	p->m.path = strdup(path ? path : "<memory>");
	if (!p->m.path) {
		free(p);
		return kbtf_err_nomem();
	}
	*out = p;
	return 0;
}

int kbtf_module_open(const char *path, struct kbtf_module **out)
{
	struct module_priv *p;
	int err;

	*out = NULL;
	err = module_new(path, &p);
	if (err)
		return err;
	err = kbtf_buf_from_file(path, &p->file);
	if (!err)
		err = module_load(p);
	if (err) {
		kbtf_module_free(&p->m);
		return err;
	}
	*out = &p->m;
	return 0;
}

int kbtf_module_open_buf(const void *data, size_t size, const char *name, struct kbtf_module **out)
{
	struct module_priv *p;
	int err;

	*out = NULL;
	err = module_new(name, &p);
	if (err)
		return err;
	p->file = (struct kbtf_buf){(uint8_t *)data, size, KBTF_BUF_BORROWED};
	err = module_load(p);
	if (err) {
		kbtf_module_free(&p->m);
		return err;
	}
	*out = &p->m;
	return 0;
}

void kbtf_module_free(struct kbtf_module *m)
{
	struct module_priv *p = (struct module_priv *)m;
	size_t i;

	if (!m)
		return;
	kbtf_buf_release(&p->file);
	kbtf_buf_release(&m->signature);
	for (i = 0; i < m->nr_undef; i++)
		free(m->undef[i].name);
	free(m->undef);
	free(m->path);
	free(m->arch);
	free(m->name);
	free(m->vermagic);
	free(m->depends);
	free(p);
}
