// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * In-tree modules' exports (kernel_modexports.h). In a .ko the
 * struct kernel_symbol entries of __ksymtab and __ksymtab_gpl are still
 * zeros waiting for their relocations (PREL32 offsets on x86_64 and arm64,
 * pointers elsewhere); the name and namespace fields are relocated against
 * __ksymtab_strings (the __kstrtab_X / __kstrtabns_X labels modpost's
 * generated .mod.c puts there since 6.4, the EXPORT_SYMBOL macro before),
 * so the string each points at is the symbol's value plus the addend.
 * __kcrctab holds the CRCs as plain data, entry i for symbol i, which
 * is how find_symbol() pairs them (symversion()).
 *
 * Checked on Debian 6.12.113 and 6.1.0-56 amd64: with the image's vmlinux
 * exports, every line equals the headers' Module.symvers.
 */
#include <errno.h>
#include <ftw.h>
#include <gelf.h>
#include <libelf.h>
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kbtf/buf.h"
#include "kbtf/err.h"
#include "kbtf/source.h"
#include "kernel_modexports.h"

/* The largest module once decompressed (amdgpu.ko is about 30 MB). */
#define MODULE_MAX (512u << 20)

/* ------------------------------------------------------------------ paths */

bool kbtf_modexports_intree_path(const char *path, const char *rel, char *out, size_t len)
{
	static const char *const ext[] = {".ko", ".ko.xz", ".ko.zst", ".ko.gz", NULL};
	size_t rl = strlen(rel), n, i;
	const char *p = path;

	if (!strncmp(p, "usr/", 4))
		p += 4;
	if (strncmp(p, "lib/modules/", 12) || strncmp(p + 12, rel, rl) || p[12 + rl] != '/')
		return false;
	p += 12 + rl + 1;
	if (strncmp(p, "kernel/", 7))
		return false;
	p += 7;
	n = strlen(p);
	for (i = 0; ext[i]; i++) {
		size_t el = strlen(ext[i]);

		if (n > el && !strcmp(p + n - el, ext[i]) && n - el < len) {
			memcpy(out, p, n - el);
			out[n - el] = '\0';
			return true;
		}
	}
	return false;
}

/* ---------------------------------------------------------------- one .ko */

struct modelf {
	Elf *elf;
	GElf_Ehdr eh;
	size_t shstrndx;
	size_t strs_ndx; /* __ksymtab_strings */
	Elf_Data *strs;
	Elf_Scn *symtab;
	Elf_Data *syms;
	const char *modpath;
};

static Elf_Scn *section_named(const struct modelf *m, const char *name, size_t *ndx)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;

	while ((scn = elf_nextscn(m->elf, scn))) {
		const char *n;

		if (!gelf_getshdr(scn, &sh))
			continue;
		n = elf_strptr(m->elf, m->shstrndx, sh.sh_name);
		if (n && !strcmp(n, name)) {
			if (ndx)
				*ndx = elf_ndxscn(scn);
			return scn;
		}
	}
	return NULL;
}

/* The string __ksymtab_strings holds at @off, or NULL. */
static const char *string_at(const struct modelf *m, uint64_t off)
{
	const char *s = m->strs->d_buf;

	if (off >= m->strs->d_size || !memchr(s + off, '\0', m->strs->d_size - off))
		return NULL;
	return s + off;
}

static uint64_t read_word(const struct modelf *m, const uint8_t *p, unsigned int width)
{
	uint64_t v = 0;
	unsigned int i;

	for (i = 0; i < width; i++) {
		unsigned int shift = m->eh.e_ident[EI_DATA] == ELFDATA2MSB ? (width - 1 - i) : i;

		v |= (uint64_t)p[i] << (8 * shift);
	}
	return v;
}

/*
 * Where in __ksymtab_strings each relocated field of @tab (index @tabndx)
 * points: @target[off / 4] for the field at byte offset off (UINT64_MAX:
 * no relocation there, or one not into the strings).
 */
static int field_targets(const struct modelf *m, size_t tabndx, const Elf_Data *tab,
			 uint64_t *target)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;
	size_t i, nr;

	for (i = 0; i < tab->d_size / 4; i++)
		target[i] = UINT64_MAX;
	while ((scn = elf_nextscn(m->elf, scn))) {
		Elf_Data *d;

		if (!gelf_getshdr(scn, &sh) || sh.sh_info != tabndx ||
		    (sh.sh_type != SHT_RELA && sh.sh_type != SHT_REL) || !sh.sh_entsize)
			continue;
		d = elf_getdata(scn, NULL);
		if (!d)
			continue;
		nr = d->d_size / sh.sh_entsize;
		for (i = 0; i < nr; i++) {
			GElf_Rela r;
			GElf_Rel rl;
			GElf_Sym sym;
			int64_t addend;

			if (sh.sh_type == SHT_RELA) {
				if (!gelf_getrela(d, (int)i, &r))
					return kbtf_err(-EINVAL, "%s: unreadable relocation",
							m->modpath);
				addend = r.r_addend;
			} else {
				if (!gelf_getrel(d, (int)i, &rl))
					return kbtf_err(-EINVAL, "%s: unreadable relocation",
							m->modpath);
				r.r_offset = rl.r_offset;
				r.r_info = rl.r_info;
				/* REL: the addend is in the field itself */
				if (r.r_offset + 4 > tab->d_size)
					continue;
				addend = (int32_t)read_word(
				    m, (const uint8_t *)tab->d_buf + r.r_offset, 4);
			}
			if (r.r_offset % 4 || r.r_offset / 4 >= tab->d_size / 4)
				continue;
			if (!gelf_getsym(m->syms, (int)GELF_R_SYM(r.r_info), &sym) ||
			    sym.st_shndx != m->strs_ndx)
				continue;
			target[r.r_offset / 4] = sym.st_value + (uint64_t)addend;
		}
	}
	return 0;
}

static int one_table(const struct modelf *m, const char *tabname, const char *crcname,
		     const char *kind, FILE *out, size_t *nr)
{
	unsigned int word = m->eh.e_ident[EI_CLASS] == ELFCLASS64 ? 8 : 4, fw, stride;
	Elf_Data *tab, *crc = NULL;
	Elf_Scn *scn, *cscn;
	size_t tabndx, n, i, words;
	uint64_t *target;
	int err;

	scn = section_named(m, tabname, &tabndx);
	if (!scn || !(tab = elf_getdata(scn, NULL)) || !tab->d_size)
		return 0; /* no exports of this kind */
	cscn = section_named(m, crcname, NULL);
	if (cscn && (crc = elf_getdata(cscn, NULL)) && !crc->d_size)
		crc = NULL;
	/* a SHT_NOBITS table has a size but no bytes in the file: a size
	 * nothing bounds, and nothing to read */
	if (!tab->d_buf || (crc && !crc->d_buf))
		return kbtf_err(-EINVAL, "%s: %s has no contents in the file", m->modpath,
				!tab->d_buf ? tabname : crcname);
	words = tab->d_size / 4;
	target = calloc(words ? words : 1, sizeof(*target));
	if (!target)
		return kbtf_err_nomem();
	err = field_targets(m, tabndx, tab, target);
	if (err)
		goto out;
	/* PREL32 entries are 12 bytes with the name's offset at 4; pointers 3 words */
	stride = words > 1 && target[1] != UINT64_MAX ? 12 : 3 * word;
	fw = stride / 3;
	if (tab->d_size % stride) {
		err = kbtf_err(-EINVAL, "%s: %s: %zu bytes is not a whole number of entries",
			       m->modpath, tabname, tab->d_size);
		goto out;
	}
	n = tab->d_size / stride;
	if (crc && crc->d_size != n * 4) {
		err = kbtf_err(-EINVAL, "%s: %s has %zu CRCs for %zu entries of %s", m->modpath,
			       crcname, crc->d_size / 4, n, tabname);
		goto out;
	}
	for (i = 0; i < n; i++) {
		const char *name = string_at(m, target[(i * stride + fw) / 4]);
		uint64_t nsoff = target[(i * stride + 2 * fw) / 4];
		const char *ns = nsoff == UINT64_MAX ? "" : string_at(m, nsoff);

		if (!name || !*name || !ns) {
			err = kbtf_err(-EINVAL, "%s: %s entry %zu: %s not in __ksymtab_strings",
				       m->modpath, tabname, i, !ns ? "namespace" : "name");
			goto out;
		}
		fprintf(out, "0x%08x\t%s\t%s\t%s\t%s\n",
			crc ? (uint32_t)read_word(m, (const uint8_t *)crc->d_buf + 4 * i, 4) : 0u,
			name, m->modpath, kind, ns);
		(*nr)++;
	}
out:
	free(target);
	return err;
}

static int read_elf(const void *data, size_t size, const char *modpath, FILE *out, size_t *nr)
{
	struct modelf m = {.modpath = modpath};
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;
	int err = 0;

	elf_version(EV_CURRENT);
	m.elf = elf_memory((char *)data, size);
	if (!m.elf || elf_kind(m.elf) != ELF_K_ELF || !gelf_getehdr(m.elf, &m.eh) ||
	    elf_getshdrstrndx(m.elf, &m.shstrndx)) {
		err = kbtf_err(-EINVAL, "%s: not an ELF file", modpath);
		goto out;
	}
	if (m.eh.e_type != ET_REL) {
		err = kbtf_err(-EINVAL, "%s: not a kernel module (ELF type %u)", modpath,
			       m.eh.e_type);
		goto out;
	}
	if (!section_named(&m, "__ksymtab", NULL) && !section_named(&m, "__ksymtab_gpl", NULL))
		goto out; /* exports nothing */
	scn = section_named(&m, "__ksymtab_strings", &m.strs_ndx);
	if (!scn || !(m.strs = elf_getdata(scn, NULL)) || !m.strs->d_size) {
		err = kbtf_err(-EINVAL, "%s: __ksymtab without __ksymtab_strings", modpath);
		goto out;
	}
	scn = NULL;
	while ((scn = elf_nextscn(m.elf, scn)))
		if (gelf_getshdr(scn, &sh) && sh.sh_type == SHT_SYMTAB)
			break;
	if (!scn || !(m.syms = elf_getdata(scn, NULL))) {
		err = kbtf_err(-EINVAL, "%s: no symbol table", modpath);
		goto out;
	}
	err = one_table(&m, "__ksymtab", "__kcrctab", "EXPORT_SYMBOL", out, nr);
	if (!err)
		err = one_table(&m, "__ksymtab_gpl", "__kcrctab_gpl", "EXPORT_SYMBOL_GPL", out, nr);
out:
	if (m.elf)
		elf_end(m.elf);
	return err;
}

int kbtf_modexports_read(const void *data, size_t size, const char *modpath, FILE *out, size_t *nr)
{
	enum kbtf_compression c = kbtf_compression_detect(data, size);
	struct kbtf_buf plain;
	int err;

	if (c == KBTF_COMP_NONE)
		return read_elf(data, size, modpath, out, nr);
	err = kbtf_decompress(c, data, size, MODULE_MAX, &plain);
	if (err)
		return kbtf_err_prefix(err, "%s", modpath);
	err = read_elf(plain.data, plain.size, modpath, out, nr);
	kbtf_buf_release(&plain);
	return err;
}

/* ------------------------------------------------------------- collection */

/*
 * Decompressing the modules is most of the cost (6.12 amd64: 507 MB of
 * xz out of 4,200 files, against 4 s to stream the package itself), so
 * workers do it while the package is still being read: the reader queues
 * each module's bytes (at most QUEUE_MAX waiting), a worker turns one
 * into its lines, and finish() joins them in the order given.
 */
#define QUEUE_MAX 32
#define JOBS_MAX 8

struct modjob {
	char *modpath;
	void *data;
	size_t size;
	char *text; /* its lines, once read */
	size_t len, nr;
	int err;
	char *why; /* kbtf_errstr() of a failure: the error text is per thread */
};

struct modexports_pool {
	pthread_mutex_t lock;
	pthread_cond_t more, room;
	struct modjob *jobs;
	size_t nr_jobs, cap, next; /* next: the first job no worker took */
	size_t waiting;		   /* queued, not taken */
	bool closing;
	pthread_t threads[JOBS_MAX];
	unsigned int nr_threads;
};

static void run_job(struct modjob *j)
{
	FILE *f = open_memstream(&j->text, &j->len);

	if (!f) {
		j->err = kbtf_err_nomem();
	} else {
		j->err = kbtf_modexports_read(j->data, j->size, j->modpath, f, &j->nr);
		if (fclose(f) && !j->err)
			j->err = kbtf_err_nomem();
	}
	if (j->err)
		j->why = strdup(kbtf_errstr());
	free(j->data);
	j->data = NULL;
}

static void *worker(void *arg)
{
	struct modexports_pool *p = arg;
	struct modjob *j;

	pthread_mutex_lock(&p->lock);
	for (;;) {
		while (p->next == p->nr_jobs && !p->closing)
			pthread_cond_wait(&p->more, &p->lock);
		if (p->next == p->nr_jobs)
			break;
		/* jobs may move when the array grows: work on a copy */
		{
			struct modjob copy = p->jobs[p->next];
			size_t i = p->next++;

			p->waiting--;
			pthread_cond_signal(&p->room);
			pthread_mutex_unlock(&p->lock);
			run_job(&copy);
			pthread_mutex_lock(&p->lock);
			j = &p->jobs[i];
			*j = copy;
		}
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

int kbtf_modexports_init(struct kbtf_modexports *c, const char *release, unsigned int jobs)
{
	struct modexports_pool *p;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned int i;

	memset(c, 0, sizeof(*c));
	c->release = release;
	if (!jobs)
		jobs = cpus > 0 ? (unsigned int)cpus : 1;
	if (jobs > JOBS_MAX)
		jobs = JOBS_MAX;
	p = calloc(1, sizeof(*p));
	if (!p)
		return kbtf_err_nomem();
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->more, NULL);
	pthread_cond_init(&p->room, NULL);
	c->pool = p;
	for (i = 0; i < jobs; i++) {
		if (pthread_create(&p->threads[i], NULL, worker, p))
			break;
		p->nr_threads++;
	}
	return p->nr_threads ? 0 : kbtf_err(-EAGAIN, "cannot start a thread");
}

int kbtf_modexports_add(struct kbtf_modexports *c, const char *path, const void *data, size_t size)
{
	struct modexports_pool *p = c->pool;
	char modpath[PATH_MAX];
	struct modjob j = {0};

	if (!kbtf_modexports_intree_path(path, c->release, modpath, sizeof(modpath)))
		return 0;
	j.modpath = strdup(modpath);
	j.data = malloc(size ? size : 1);
	if (!j.modpath || !j.data) {
		free(j.modpath);
		free(j.data);
		return kbtf_err_nomem();
	}
	memcpy(j.data, data, size);
	j.size = size;
	pthread_mutex_lock(&p->lock);
	while (p->waiting >= QUEUE_MAX)
		pthread_cond_wait(&p->room, &p->lock);
	if (p->nr_jobs == p->cap) {
		size_t cap = p->cap ? 2 * p->cap : 1024;
		struct modjob *n = realloc(p->jobs, cap * sizeof(*n));

		if (!n) {
			pthread_mutex_unlock(&p->lock);
			free(j.modpath);
			free(j.data);
			return kbtf_err_nomem();
		}
		p->jobs = n;
		p->cap = cap;
	}
	p->jobs[p->nr_jobs++] = j;
	p->waiting++;
	pthread_cond_signal(&p->more);
	pthread_mutex_unlock(&p->lock);
	return 0;
}

/* Stop the workers once the queue is empty. */
static void pool_join(struct modexports_pool *p)
{
	unsigned int i;

	pthread_mutex_lock(&p->lock);
	p->closing = true;
	pthread_cond_broadcast(&p->more);
	pthread_mutex_unlock(&p->lock);
	for (i = 0; i < p->nr_threads; i++)
		pthread_join(p->threads[i], NULL);
	p->nr_threads = 0;
}

int kbtf_modexports_finish(struct kbtf_modexports *c)
{
	struct modexports_pool *p = c->pool;
	size_t i, len = 0;
	char *text;

	if (!p)
		return 0;
	pool_join(p);
	for (i = 0; i < p->nr_jobs; i++) {
		if (p->jobs[i].err)
			return kbtf_err(p->jobs[i].err, "%s",
					p->jobs[i].why ? p->jobs[i].why : p->jobs[i].modpath);
		len += p->jobs[i].len;
	}
	text = malloc(len + 1);
	if (!text)
		return kbtf_err_nomem();
	c->len = 0;
	c->nr_exports = c->nr_modules = 0;
	for (i = 0; i < p->nr_jobs; i++) {
		memcpy(text + c->len, p->jobs[i].text, p->jobs[i].len);
		c->len += p->jobs[i].len;
		c->nr_exports += p->jobs[i].nr;
		c->nr_modules++;
	}
	text[c->len] = '\0';
	free(c->text);
	c->text = text;
	return 0;
}

void kbtf_modexports_release(struct kbtf_modexports *c)
{
	struct modexports_pool *p = c->pool;
	size_t i;

	if (p) {
		pool_join(p);
		for (i = 0; i < p->nr_jobs; i++) {
			free(p->jobs[i].modpath);
			free(p->jobs[i].data);
			free(p->jobs[i].text);
			free(p->jobs[i].why);
		}
		free(p->jobs);
		pthread_mutex_destroy(&p->lock);
		pthread_cond_destroy(&p->more);
		pthread_cond_destroy(&p->room);
		free(p);
	}
	free(c->text);
	memset(c, 0, sizeof(*c));
}

/* nftw() has no context argument: the walk in progress (one at a time). */
static __thread struct kbtf_modexports *walking;
static __thread const char *walk_root;
static __thread int walk_err;

static int visit(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	struct kbtf_buf b;
	const char *rel = path + strlen(walk_root);

	(void)st;
	(void)ftw;
	while (*rel == '/')
		rel++;
	if (type != FTW_F)
		return 0;
	{
		char modpath[PATH_MAX];

		if (!kbtf_modexports_intree_path(rel, walking->release, modpath, sizeof(modpath)))
			return 0;
	}
	walk_err = kbtf_buf_from_file(path, &b);
	if (!walk_err) {
		walk_err = kbtf_modexports_add(walking, rel, b.data, b.size);
		kbtf_buf_release(&b);
	}
	return walk_err ? 1 : 0;
}

int kbtf_modexports_add_dir(struct kbtf_modexports *c, const char *root)
{
	static const char *const under[] = {"lib/modules", "usr/lib/modules"};
	char dir[PATH_MAX];
	size_t i;

	for (i = 0; i < 2; i++) {
		if (snprintf(dir, sizeof(dir), "%s/%s/%s/kernel", root, under[i], c->release) >=
		    (int)sizeof(dir))
			return kbtf_err(-ENAMETOOLONG, "%s: path too long", root);
		walking = c;
		walk_root = root;
		walk_err = 0;
		if (nftw(dir, visit, 16, FTW_PHYS) && walk_err)
			return walk_err;
	}
	return 0;
}
