// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Module ELF rewriting with libelf: copy an ET_REL image section by section
 * onto a new ELF (raw bytes, so either byte order works), swapping in new
 * contents for some sections and appending others at the end. The result is
 * laid out by libelf into an anonymous memory file and read back.
 */
#include <errno.h>
#include <gelf.h>
#include <libelf.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "elf_write.h"
#include "kbtf/err.h"

#define ALIGN_MAX (1u << 20) /* the largest section alignment rewritten */

static int elf_fail(const char *what)
{
	return kbtf_err(-EINVAL, "%s: %s", what, elf_errmsg(-1));
}

static Elf *open_image(void *copy, size_t size)
{
	Elf *e;

	if (elf_version(EV_CURRENT) == EV_NONE) {
		kbtf_err(-EINVAL, "libelf is too old");
		return NULL;
	}
	e = elf_memory(copy, size);
	if (!e) {
		elf_fail("not an ELF image");
		return NULL;
	}
	if (elf_kind(e) != ELF_K_ELF) {
		elf_end(e);
		kbtf_err(-EINVAL, "not an ELF image");
		return NULL;
	}
	return e;
}

struct rewrite {
	Elf *in, *out;
	size_t shstrndx;
	const struct kbtf_elf_section *secs;
	size_t nr;
	bool *used;	/* which of secs replaced an existing section */
	char *shstrtab; /* grown copy of the section-name table */
	size_t shstrtab_len;
	size_t *name_off; /* offsets of appended names in shstrtab */
};

static const struct kbtf_elf_section *wanted(struct rewrite *r, const char *name, size_t *idx)
{
	size_t i;

	for (i = 0; name && i < r->nr; i++) {
		if (!strcmp(r->secs[i].name, name)) {
			*idx = i;
			return &r->secs[i];
		}
	}
	return NULL;
}

static int add_data(Elf_Scn *scn, void *buf, size_t size, size_t align)
{
	Elf_Data *d = elf_newdata(scn);

	if (!d)
		return elf_fail("cannot add section data");
	d->d_buf = buf;
	d->d_size = size;
	d->d_type = ELF_T_BYTE;
	d->d_align = align ? align : 1;
	d->d_off = 0;
	d->d_version = EV_CURRENT;
	return 0;
}

/* Section names for sections not yet present go at the end of .shstrtab. */
static int grow_shstrtab(struct rewrite *r)
{
	Elf_Scn *scn = elf_getscn(r->in, r->shstrndx);
	Elf_Data *d = scn ? elf_rawdata(scn, NULL) : NULL;
	size_t i, extra = 0;

	if (!d)
		return elf_fail("cannot read the section name table");
	/* SHT_NOBITS, or past the end: libelf gives no bytes for it */
	if (d->d_size && !d->d_buf)
		return kbtf_err(-EINVAL, "the section name table has no contents");
	for (i = 0; i < r->nr; i++)
		extra += strlen(r->secs[i].name) + 1;
	r->shstrtab = malloc(d->d_size + extra);
	if (!r->shstrtab)
		return kbtf_err_nomem();
	if (d->d_size)
		memcpy(r->shstrtab, d->d_buf, d->d_size);
	r->shstrtab_len = d->d_size;
	for (i = 0; i < r->nr; i++) {
		if (r->used[i])
			continue;
		r->name_off[i] = r->shstrtab_len;
		memcpy(r->shstrtab + r->shstrtab_len, r->secs[i].name, strlen(r->secs[i].name) + 1);
		r->shstrtab_len += strlen(r->secs[i].name) + 1;
	}
	return 0;
}

/* Compressed sections need their Chdr alignment; ld writes 1 (as resolve_btfids fixes too). */
static void fix_compressed_align(Elf *e, GElf_Shdr *sh)
{
	if (sh->sh_flags & SHF_COMPRESSED)
		sh->sh_addralign = gelf_getclass(e) == ELFCLASS32 ? 4 : 8;
}

static int copy_sections(struct rewrite *r)
{
	Elf_Scn *scn = NULL;
	int err;

	while ((scn = elf_nextscn(r->in, scn))) {
		const struct kbtf_elf_section *s;
		Elf_Scn *o = elf_newscn(r->out);
		GElf_Shdr sh;
		Elf_Data *d;
		size_t idx;

		if (!o || !gelf_getshdr(scn, &sh))
			return elf_fail("cannot copy a section");
		fix_compressed_align(r->in, &sh);
		s = wanted(r, elf_strptr(r->in, r->shstrndx, sh.sh_name), &idx);
		/*
		 * libelf pads the new file to each section's alignment: 2^32
		 * would write gigabytes. Real modules ask for a page at most;
		 * the kernel would fail to allocate such a module anyway.
		 */
		if (sh.sh_addralign > ALIGN_MAX)
			return kbtf_err(-EINVAL,
					"section %zu asks for %llu-byte alignment, more than a "
					"module's sections have (%u)",
					elf_ndxscn(scn), (unsigned long long)sh.sh_addralign,
					ALIGN_MAX);
		if (elf_ndxscn(scn) == r->shstrndx) {
			err = add_data(o, r->shstrtab, r->shstrtab_len, sh.sh_addralign);
		} else if (s) {
			if (sh.sh_type == SHT_NOBITS)
				return kbtf_err(-EINVAL, "section %s has no file contents",
						s->name);
			/* BTF is read as u32 words; loaded (ALLOC) sections keep theirs */
			if (!(sh.sh_flags & SHF_ALLOC) && sh.sh_addralign < 4)
				sh.sh_addralign = 4;
			err = add_data(o, (void *)s->data, s->size, sh.sh_addralign);
		} else if (sh.sh_type == SHT_NOBITS) {
			err = add_data(o, NULL, sh.sh_size, sh.sh_addralign);
		} else {
			d = elf_rawdata(scn, NULL);
			if (!d && sh.sh_size)
				return elf_fail("cannot read section contents");
			err = add_data(o, d ? d->d_buf : NULL, d ? d->d_size : 0, sh.sh_addralign);
		}
		if (err)
			return err;
		if (!gelf_update_shdr(o, &sh))
			return elf_fail("cannot write a section header");
	}
	return 0;
}

static int append_sections(struct rewrite *r)
{
	size_t i;
	int err;

	for (i = 0; i < r->nr; i++) {
		GElf_Shdr sh = {0};
		Elf_Scn *o;

		if (r->used[i])
			continue;
		o = elf_newscn(r->out);
		if (!o)
			return elf_fail("cannot add a section");
		err = add_data(o, (void *)r->secs[i].data, r->secs[i].size, 4);
		if (err)
			return err;
		sh.sh_name = r->name_off[i];
		sh.sh_type = SHT_PROGBITS;
		sh.sh_flags = 0;
		sh.sh_addralign = 4;
		if (!gelf_update_shdr(o, &sh))
			return elf_fail("cannot write a section header");
	}
	return 0;
}

static int mark_replaced(struct rewrite *r)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;
	size_t idx;

	while ((scn = elf_nextscn(r->in, scn))) {
		if (!gelf_getshdr(scn, &sh))
			return elf_fail("cannot read a section header");
		if (wanted(r, elf_strptr(r->in, r->shstrndx, sh.sh_name), &idx))
			r->used[idx] = true;
	}
	return 0;
}

/* Extended numbering keeps the real e_shstrndx in section 0's sh_link. */
static int copy_scn0(struct rewrite *r, const GElf_Ehdr *eh)
{
	GElf_Shdr in0, out0;
	Elf_Scn *o;

	if (eh->e_shstrndx != SHN_XINDEX)
		return 0;
	o = elf_getscn(r->out, 0);
	if (!gelf_getshdr(elf_getscn(r->in, 0), &in0) || !o || !gelf_getshdr(o, &out0))
		return -1;
	out0.sh_link = in0.sh_link;
	return gelf_update_shdr(o, &out0) ? 0 : -1;
}

static int write_out(struct rewrite *r, struct kbtf_buf *out)
{
	GElf_Ehdr eh;
	int fd, err;

	fd = memfd_create("kbtf-elf", MFD_CLOEXEC);
	if (fd < 0)
		return kbtf_err(-errno, "cannot create a memory file");
	r->out = elf_begin(fd, ELF_C_WRITE, NULL);
	if (!r->out) {
		err = elf_fail("cannot start the new ELF");
		goto out;
	}
	if (!gelf_getehdr(r->in, &eh) || !gelf_newehdr(r->out, gelf_getclass(r->in))) {
		err = elf_fail("cannot copy the ELF header");
		goto out;
	}
	err = copy_sections(r);
	if (!err)
		err = append_sections(r);
	if (err)
		goto out;
	if (!gelf_update_ehdr(r->out, &eh) || copy_scn0(r, &eh)) {
		err = elf_fail("cannot write the ELF header");
		goto out;
	}
	if (elf_update(r->out, ELF_C_WRITE) < 0) {
		err = elf_fail("cannot lay out the new ELF");
		goto out;
	}
	elf_end(r->out);
	r->out = NULL;
	if (lseek(fd, 0, SEEK_SET) < 0) {
		err = kbtf_err(-errno, "cannot rewind the memory file");
		goto out;
	}
	err = kbtf_buf_from_fd(fd, "new ELF image", out);
out:
	if (r->out)
		elf_end(r->out);
	close(fd);
	return err;
}

int kbtf_elf_set_sections(const void *image, size_t size, const struct kbtf_elf_section *secs,
			  size_t nr, struct kbtf_buf *out)
{
	struct rewrite r = {.secs = secs, .nr = nr};
	struct kbtf_buf copy = {0};
	GElf_Ehdr eh;
	int err;

	memset(out, 0, sizeof(*out));
	/* libelf may touch an elf_memory() image: give it a private copy */
	err = kbtf_buf_dup(image, size, &copy);
	if (err)
		return err;
	r.used = calloc(nr + 1, sizeof(*r.used));
	r.name_off = calloc(nr + 1, sizeof(*r.name_off));
	if (!r.used || !r.name_off) {
		err = kbtf_err_nomem();
		goto out;
	}
	r.in = open_image(copy.data, copy.size);
	if (!r.in) {
		err = -EINVAL;
		goto out;
	}
	if (!gelf_getehdr(r.in, &eh) || eh.e_type != ET_REL || eh.e_phnum) {
		err = kbtf_err(-EINVAL, "not a kernel module (ELF relocatable object)");
		goto out;
	}
	if (elf_getshdrstrndx(r.in, &r.shstrndx)) {
		err = elf_fail("no section name table");
		goto out;
	}
	err = mark_replaced(&r);
	if (!err)
		err = grow_shstrtab(&r);
	if (!err)
		err = write_out(&r, out);
out:
	if (r.in)
		elf_end(r.in);
	free(r.shstrtab);
	free(r.used);
	free(r.name_off);
	kbtf_buf_release(&copy);
	return err;
}
