// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * A kernel module as kbtf sees it: read the file, undo its compression
 * (recognised by magic), cut off an appended signature, and collect from the
 * ELF, once, what the other parts ask about: the BTF sections and the layout
 * record, every .modinfo record, the __versions tables, the module's own
 * exports, and the undefined symbols with their modversions CRCs. Nothing
 * else parses these sections: the validator, boot-test and inspect ask the
 * module object.
 *
 * .modinfo is read here straight from the ELF section (NUL-separated
 * key=value strings) rather than through libkmod: libkmod wants a path and
 * re-reads and decompresses the file itself, while we already hold the
 * decompressed image in memory and need the same code for buffers that
 * never were files (the fuzzer, in-memory .deb members). libkmod does what
 * it is made for in module_lookup.c: finding an installed module's file
 * from a name or alias, as modprobe does.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kbtf/distill.h"
#include "elf_read.h"
#include "kbtf/err.h"
#include "kbtf/source.h"
#include "util.h"

#define MODULE_MAX_SIZE (512ull << 20) /* a decompressed .ko larger than this is a bomb */
#define SIG_MAGIC "~Module signature appended~\n"
#define SIG_MAGIC_LEN (sizeof(SIG_MAGIC) - 1)
#define SIG_INFO_LEN 12 /* struct module_signature */

/* Offset of name[] in struct module: after state (4, padded) and a list_head. */
#define THIS_MODULE_NAME_OFF(cls) ((cls) == 64 ? 24u : 12u)
#define MODULE_NAME_LEN(cls) ((cls) == 64 ? 56u : 60u)

/* The public struct plus the bytes its image and strings point into. */
struct module_priv {
	struct kbtf_module m;
	struct kbtf_buf file; /* mapping, decompressed heap copy, or borrowed */
	char *modinfo_buf;    /* .modinfo, NUL-terminated, records cut at '=' */
	char *exports_buf;    /* __ksymtab_strings, NUL-terminated */
	char *name_buf;	      /* the name from .gnu.linkonce.this_module */
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
	sig_len = kbtf_be32(info + 8);
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

/* --- .modinfo and __ksymtab_strings: NUL-separated strings --- */

/*
 * Copy a section of NUL-separated strings into @buf (one byte longer, so
 * the last string is terminated even when the section is not) and list
 * its strings in order, empty ones left out. The kernel's walk of
 * .modinfo (get_next_modinfo() stepping with next_string(), renamed
 * module_next_tag_pair() later) skips the same NUL runs and stops at the
 * section's end, but reads a last string without its NUL on into whatever
 * follows the section; here it ends at the section's end.
 */
static int split_strings(const struct kbtf_elf_sec *sec, char **buf, char ***list, size_t *nr)
{
	size_t n = 0, cap = 0;
	char *p, *end, **l = NULL, **grown;

	*buf = malloc(sec->size + 1);
	if (!*buf)
		return kbtf_err_nomem();
	if (sec->size) /* an empty or SHT_NOBITS section has no data pointer */
		memcpy(*buf, sec->data, sec->size);
	(*buf)[sec->size] = '\0';
	end = *buf + sec->size;
	for (p = *buf; p < end; p += strlen(p) + 1) {
		if (!*p)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 32;
			grown = realloc(l, cap * sizeof(*l));
			if (!grown) {
				free(l);
				return kbtf_err_nomem();
			}
			l = grown;
		}
		l[n++] = p;
	}
	*list = l;
	*nr = n;
	return 0;
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

/*
 * Every "key=value" record, in order, repeated keys kept: MODULE_INFO()
 * may repeat a key (import_ns, alias, softdep) and the kernel's
 * get_modinfo() answers with the first record whose key matches, while
 * get_next_modinfo() walks on to the others. A record without '=' has no
 * key the kernel could ask for and is left out.
 */
static int read_modinfo(struct module_priv *p, const struct kbtf_elf *e)
{
	struct kbtf_module *m = &p->m;
	struct kbtf_elf_sec sec;
	char **recs = NULL, *eq;
	size_t i, nr = 0;
	int err;

	if (!kbtf_elf_section(e, ".modinfo", &sec)) {
		err = split_strings(&sec, &p->modinfo_buf, &recs, &nr);
		if (err)
			return err;
		m->modinfo = nr ? calloc(nr, sizeof(*m->modinfo)) : NULL;
		if (nr && !m->modinfo) {
			free(recs);
			return kbtf_err_nomem();
		}
		for (i = 0; i < nr; i++) {
			eq = strchr(recs[i], '=');
			if (!eq)
				continue;
			*eq = '\0';
			m->modinfo[m->nr_modinfo++] = (struct kbtf_modinfo){recs[i], eq + 1};
		}
		free(recs);
	}
	m->name = (char *)kbtf_module_modinfo(m, "name");
	m->vermagic = (char *)kbtf_module_modinfo(m, "vermagic");
	m->depends = (char *)kbtf_module_modinfo(m, "depends");
	if (!m->name)
		m->name = p->name_buf = this_module_name(e);
	return 0;
}

const char *kbtf_module_modinfo_next(const struct kbtf_module *m, const char *key, size_t *pos)
{
	while (*pos < m->nr_modinfo) {
		const struct kbtf_modinfo *r = &m->modinfo[(*pos)++];

		if (!strcmp(r->key, key))
			return r->value;
	}
	return NULL;
}

const char *kbtf_module_modinfo(const struct kbtf_module *m, const char *key)
{
	size_t pos = 0;

	return kbtf_module_modinfo_next(m, key, &pos);
}

/* The module's own exports: __ksymtab_strings, one name per string. */
static int read_exports(struct module_priv *p, const struct kbtf_elf *e)
{
	struct kbtf_elf_sec sec;

	if (kbtf_elf_section(e, "__ksymtab_strings", &sec))
		return 0;
	return split_strings(&sec, &p->exports_buf, (char ***)&p->m.exports, &p->m.nr_exports);
}

/* --- modversions --- */

static int push_version(struct kbtf_modversion **v, size_t *n, size_t *cap, const char *name,
			uint32_t crc)
{
	struct kbtf_modversion *grown;

	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 64;
		grown = realloc(*v, *cap * sizeof(*grown));
		if (!grown)
			return kbtf_err_nomem();
		*v = grown;
	}
	(*v)[(*n)++] = (struct kbtf_modversion){name, crc};
	return 0;
}

/*
 * __versions: struct modversion_info records, { unsigned long crc;
 * char name[64 - sizeof(long)]; }, the crc in the target's word size and
 * byte order. check_version() counts sh_size / sizeof(struct
 * modversion_info) records, so a truncated last record is not read, and
 * compares names with strcmp(), so a name that fills its record without a
 * NUL would run on into the next record: modpost never writes one, and it
 * is left out here like an empty name.
 */
static int read_versions(struct kbtf_module *m, const struct kbtf_elf *e)
{
	unsigned int word = kbtf_elf_class(e) == 64 ? 8 : 4;
	struct kbtf_elf_sec sec;
	size_t i, len, cap = 0;
	int err;

	if (kbtf_elf_section(e, "__versions", &sec))
		return 0;
	m->has_versions = true;
	for (i = 0; i + 64 <= sec.size; i += 64) {
		const char *name = (const char *)sec.data + i + word;

		len = strnlen(name, 64 - word);
		if (!len || len == 64 - word)
			continue;
		err = push_version(&m->versions, &m->nr_versions, &cap, name,
				   (uint32_t)kbtf_elf_read_word(e, sec.data + i, word));
		if (err)
			return err;
	}
	return 0;
}

/*
 * Extended modversions (Linux 6.14+): u32 CRCs in __version_ext_crcs,
 * names NUL-separated in __version_ext_names, both in the same order. They
 * hold the names too long for __versions (or all of them without basic
 * ones). A name without its NUL ends the table.
 */
static int read_ext_versions(struct kbtf_module *m, const struct kbtf_elf *e)
{
	struct kbtf_elf_sec crcs, names;
	const char *p, *end, *nul;
	size_t i = 0, cap = 0;
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
			err = push_version(&m->ext_versions, &m->nr_ext_versions, &cap, p,
					   (uint32_t)kbtf_elf_read_word(e, crcs.data + i * 4, 4));
			if (err)
				return err;
		}
		i++;
		p = nul + 1;
	}
	return 0;
}

static const struct kbtf_modversion *first_version(const struct kbtf_modversion *v, size_t n,
						   const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(v[i].name, name))
			return &v[i];
	return NULL;
}

const struct kbtf_modversion *kbtf_module_version(const struct kbtf_module *m, const char *name)
{
	return first_version(m->versions, m->nr_versions, name);
}

/* --- undefined symbols and their CRCs --- */

/* A name -> CRC index over both tables for the undefined symbols. */
struct crc_entry {
	const char *name;
	uint32_t crc;
	size_t order; /* which record came first */
};

static int crc_cmp(const void *a, const void *b)
{
	const struct crc_entry *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	return c ? c : (x->order > y->order) - (x->order < y->order);
}

static int crc_name_cmp(const void *key, const void *ent)
{
	return strcmp(key, ((const struct crc_entry *)ent)->name);
}

struct undef_ctx {
	struct kbtf_module *m;
	const struct crc_entry *crcs;
	size_t nr_crcs;
	size_t cap;
};

static int add_undef(const char *name, void *arg)
{
	struct undef_ctx *c = arg;
	struct kbtf_module *m = c->m;
	const struct crc_entry *hit;
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
	hit = c->nr_crcs ? bsearch(name, c->crcs, c->nr_crcs, sizeof(*hit), crc_name_cmp) : NULL;
	/* bsearch lands on any of equal names: the first record decides */
	while (hit && hit > c->crcs && !strcmp(hit[-1].name, name))
		hit--;
	if (hit) {
		n->crc = hit->crc;
		n->has_crc = true;
	}
	return 0;
}

/*
 * The undefined symbols, each with its CRC: from the extended tables when
 * the module has them (check_version() of 6.14+ relies on them alone then,
 * and only a module built for such a kernel carries them), else from
 * __versions; a name only in the other table still gets that CRC, for
 * kernels before 6.14 that read only __versions.
 */
static int read_symbols(struct kbtf_module *m, const struct kbtf_elf *e)
{
	size_t n = m->nr_versions + m->nr_ext_versions, i, k = 0;
	struct crc_entry *crcs = n ? calloc(n, sizeof(*crcs)) : NULL;
	struct undef_ctx c = {m, crcs, n, 0};
	int err;

	if (n && !crcs)
		return kbtf_err_nomem();
	for (i = 0; i < m->nr_ext_versions; i++, k++)
		crcs[k] = (struct crc_entry){m->ext_versions[i].name, m->ext_versions[i].crc, k};
	for (i = 0; i < m->nr_versions; i++, k++)
		crcs[k] = (struct crc_entry){m->versions[i].name, m->versions[i].crc, k};
	if (n)
		qsort(crcs, n, sizeof(*crcs), crc_cmp);
	err = kbtf_elf_undef_symbols(e, add_undef, &c);
	free(crcs);
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

static int read_elf(struct module_priv *p)
{
	struct kbtf_module *m = &p->m;
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
	m->layout_err = kbtf_elf_section(e, KBTF_LAYOUT_SECTION, &sec);
	if (!m->layout_err) {
		m->layout_data = sec.data;
		m->layout_size = sec.size;
	}
	m->access_err = kbtf_elf_section(e, ".kbtf.access", &sec);
	if (m->access_err == -ENOENT || (!m->access_err && !sec.size)) {
		m->access_err = kbtf_elf_section(e, ".note.kbtf.access", &sec);
		m->access_raw = true;
	}
	if (!m->access_err && !sec.size)
		m->access_err = -ENOENT;
	if (!m->access_err) {
		m->access_data = sec.data;
		m->access_size = sec.size;
	}
	m->has_dwarf = kbtf_elf_has_dwarf(e);
	err = read_modinfo(p, e);
	if (!err)
		err = read_exports(p, e);
	if (!err)
		err = read_versions(m, e);
	if (!err)
		err = read_ext_versions(m, e);
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
		err = read_elf(p);
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
	free(m->modinfo);
	free(m->versions);
	free(m->ext_versions);
	free(m->exports);
	free(p->modinfo_buf);
	free(p->exports_buf);
	free(p->name_buf);
	free(p);
}
