// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The module loader's ELF validity checks (kernel/module/main.c), replayed
 * on a module image: what load_module() does before anything else, and why
 * it answers -ENOEXEC. Three forms, by release:
 *
 *   before 6.4   elf_validity_check(), then setup_load_info() looks up the
 *                symbol table and .gnu.linkonce.this_module with
 *                find_sec() (SHF_ALLOC sections only).
 *   6.4 .. 6.12  elf_validity_cache_copy() does both in one walk ("module:
 *                add sanity check for ELF module section"): one .modinfo,
 *                one symbol table, one .gnu.linkonce.this_module that is
 *                SHF_ALLOC and as large as the kernel's struct module.
 *   6.13 on      the same checks split into elf_validity_ehdr(),
 *                elf_validity_cache_sechdrs(), _secstrings(), _index_*()
 *                and _strtab(), with a few more (name table type, every
 *                sh_name in range, the symbol string table); 6.14 adds
 *                the extended modversions tables (_index_versions()).
 *
 * The header is read as the kernel reads it: in the kernel's word size and
 * byte order (an ELF of another class or order is read with the wrong
 * layout there too). Nothing here trusts an offset: every read is checked
 * against the image, so a check the kernel would pass on bytes it reads
 * past a table (its strcmp() on an sh_name out of range) counts as "no
 * match" here. Messages are the kernel's, per form; no kernel code is
 * copied.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "kbtf/source.h"

#define ET_REL_ 1
#define SHT_NULL_ 0
#define SHT_SYMTAB_ 2
#define SHT_STRTAB_ 3
#define SHT_NOBITS_ 8
#define SHF_ALLOC_ 2u
#define NO_NAME "(missing .modinfo section or name field)"

enum form { FORM_6_1, FORM_6_4, FORM_6_13 };

struct shdr {
	uint32_t name, type, link;
	uint64_t flags, addr, offset, size;
};

struct img {
	const uint8_t *p;
	size_t len;
	bool is64, big;
	unsigned int ehsize, shsize, symsize;
	uint16_t type, machine, shentsize, shnum, shstrndx;
	uint64_t shoff;
	const struct kbtf_elf_target *t;
	enum form form;
	char *log;
	size_t logsz;
};

/* A machine a kernel runs on: elf_check_arch() of its build. */
static const struct {
	const char *arch;
	uint16_t machine;
	bool is64, big;
} arches[] = {
    {"x86_64", 62, true, false},     {"i386", 3, false, false},
    {"i686", 3, false, false},	     {"aarch64", 183, true, false},
    {"aarch64_be", 183, true, true}, {"arm", 40, false, false},
    {"armeb", 40, false, true},	     {"ppc64le", 21, true, false},
    {"ppc64", 21, true, true},	     {"ppc", 20, false, true},
    {"s390x", 22, true, true},	     {"riscv64", 243, true, false},
    {"riscv32", 243, false, false},  {"loongarch64", 258, true, false},
    {"mips64el", 8, true, false},    {"mips64", 8, true, true},
    {"mipsel", 8, false, false},     {"mips", 8, false, true},
    {"sparc64", 43, true, true},
};

static uint64_t rd(const struct img *im, uint64_t off, unsigned int width)
{
	uint64_t v = 0;
	unsigned int i;

	if (off > im->len || width > im->len - off)
		return 0;
	for (i = 0; i < width; i++) {
		unsigned int b = im->big ? i : width - 1 - i;

		v = v << 8 | im->p[off + b];
	}
	return v;
}

__attribute__((format(printf, 2, 3))) static int refuse(struct img *im, const char *fmt, ...)
{
	va_list ap;

	if (im->log && im->logsz) {
		va_start(ap, fmt);
		vsnprintf(im->log, im->logsz, fmt, ap);
		va_end(ap);
	}
	return -ENOEXEC;
}

/* Section header @i; the caller has checked the table lies in the image. */
static struct shdr sh(const struct img *im, unsigned int i)
{
	uint64_t o = im->shoff + (uint64_t)i * im->shsize;
	struct shdr s;

	s.name = (uint32_t)rd(im, o, 4);
	s.type = (uint32_t)rd(im, o + 4, 4);
	if (im->is64) {
		s.flags = rd(im, o + 8, 8);
		s.addr = rd(im, o + 16, 8);
		s.offset = rd(im, o + 24, 8);
		s.size = rd(im, o + 32, 8);
		s.link = (uint32_t)rd(im, o + 40, 4);
	} else {
		s.flags = rd(im, o + 8, 4);
		s.addr = rd(im, o + 12, 4);
		s.offset = rd(im, o + 16, 4);
		s.size = rd(im, o + 20, 4);
		s.link = (uint32_t)rd(im, o + 24, 4);
	}
	return s;
}

/* validate_section_offset(): the contents lie in the image, no wrap. */
static bool in_file(const struct img *im, const struct shdr *s)
{
	uint64_t end = s->offset + s->size;

	if (!im->is64)
		end &= 0xffffffffu;
	return end >= s->offset && end <= im->len;
}

/* Is section @s called @name (sh_name inside the name table @str)? */
static bool named(const struct img *im, const struct shdr *str, const struct shdr *s,
		  const char *name)
{
	size_t n = strlen(name);

	if (s->name >= str->size || n + 1 > str->size - s->name || !in_file(im, str))
		return false;
	return !memcmp(im->p + str->offset + s->name, name, n + 1);
}

/* find_sec(): the first SHF_ALLOC section called @name, 0 if none. */
static unsigned int find_alloc(const struct img *im, const struct shdr *str, const char *name)
{
	unsigned int i;

	for (i = 1; i < im->shnum; i++) {
		struct shdr s = sh(im, i);

		if ((s.flags & SHF_ALLOC_) && named(im, str, &s, name))
			return i;
	}
	return 0;
}

/* find_any_unique_sec(): 0 none, -1 more than one, else its index. */
static int find_unique(const struct img *im, const struct shdr *str, const char *name)
{
	unsigned int i, n = 0, at = 0;

	for (i = 1; i < im->shnum; i++) {
		struct shdr s = sh(im, i);

		if (named(im, str, &s, name)) {
			n++;
			at = i;
		}
	}
	return n > 1 ? -1 : (int)at;
}

/*
 * get_modinfo(info, "name") on section @idx: the value of the first
 * "name=" record, cut at the section's end here. Into @buf.
 */
static const char *modinfo_name(const struct img *im, unsigned int idx, char *buf, size_t bufsz)
{
	struct shdr s;
	const char *p, *end;

	if (!idx)
		return NULL;
	s = sh(im, idx);
	if (!in_file(im, &s))
		return NULL;
	p = (const char *)im->p + s.offset;
	end = p + s.size;
	while (p < end) {
		size_t left = (size_t)(end - p), len = strnlen(p, left);

		if (len > 5 && !memcmp(p, "name=", 5)) {
			len -= 5;
			if (len >= bufsz)
				len = bufsz - 1;
			memcpy(buf, p + 5, len);
			buf[len] = '\0';
			return buf;
		}
		p += len + 1;
	}
	return NULL;
}

static int check_ehdr(struct img *im)
{
	const struct kbtf_elf_target *t = im->t;
	size_t i;

	if (im->len < im->ehsize)
		return refuse(im, "Invalid ELF header len %zu", im->len);
	if (memcmp(im->p, "\177ELF", 4))
		return refuse(im, "Invalid ELF header magic: != \\177ELF");
	if (im->type != ET_REL_)
		return refuse(im, "Invalid ELF header type: %u != %u", im->type, ET_REL_);
	if (t && t->arch) {
		for (i = 0; i < sizeof(arches) / sizeof(arches[0]); i++)
			if (!strcmp(arches[i].arch, t->arch))
				break;
		if (i < sizeof(arches) / sizeof(arches[0]) && im->machine != arches[i].machine)
			return refuse(im, "Invalid architecture in ELF header: %u", im->machine);
	}
	return 0;
}

static int check_table(struct img *im)
{
	if (im->shentsize != im->shsize)
		return refuse(im, "Invalid ELF section header size");
	if (im->shoff >= im->len || (uint64_t)im->shnum * im->shsize > im->len - im->shoff)
		return refuse(im, "Invalid ELF section header overflow");
	return 0;
}

static int check_sec0(struct img *im)
{
	struct shdr s0 = sh(im, 0);

	if (s0.type != SHT_NULL_ || s0.size || s0.addr)
		return refuse(im,
			      "ELF Spec violation: section 0 type(%d)!=SH_NULL or non-zero len or "
			      "addr",
			      (int)s0.type);
	return 0;
}

static int check_shstrndx(struct img *im)
{
	if (!im->shstrndx || im->shstrndx >= im->shnum)
		return refuse(im,
			      "Invalid ELF section name index: %d || e_shstrndx (%d) >= e_shnum "
			      "(%d)",
			      im->shstrndx, im->shstrndx, im->shnum);
	return 0;
}

static int check_names_end(struct img *im, const struct shdr *str)
{
	if (!str->size)
		return refuse(im, "empty section name table");
	if (im->p[str->offset + str->size - 1])
		return refuse(im, "ELF Spec violation: section name table isn't null terminated");
	return 0;
}

static int bad_link(struct img *im, uint32_t link)
{
	return refuse(im, "Invalid ELF sh_link!=SHN_UNDEF(%d) or (sh_link(%d) >= hdr->e_shnum(%d)",
		      (int)link, (int)link, im->shnum);
}

/* The checks on .gnu.linkonce.this_module of 6.4 on. */
static int check_this_module(struct img *im, unsigned int idx, const char *name)
{
	struct shdr s = sh(im, idx);
	const char *n = name ? name : NO_NAME;

	if (s.type == SHT_NOBITS_)
		return refuse(
		    im, "module %s: .gnu.linkonce.this_module section must have a size set", n);
	if (!(s.flags & SHF_ALLOC_))
		return refuse(im,
			      "module %s: .gnu.linkonce.this_module must occupy memory during "
			      "process execution",
			      n);
	if (im->t && im->t->module_struct_size && s.size != im->t->module_struct_size)
		return refuse(im,
			      "module %s: .gnu.linkonce.this_module section size must match the "
			      "kernel's built struct module size at run time",
			      n);
	return 0;
}

/* elf_validity_check() + setup_load_info() (before 6.4), and
 * elf_validity_cache_copy() (6.4 .. 6.12): one walk over the sections. */
static int check_one_walk(struct img *im)
{
	unsigned int i, nsym = 0, nmod = 0, ninfo = 0, sym_idx = 0, mod_idx = 0, info_idx = 0;
	struct shdr str, s;
	char namebuf[64];
	const char *name = NULL;
	int err;

	if ((err = check_ehdr(im)) || (err = check_table(im)) || (err = check_shstrndx(im)))
		return err;
	str = sh(im, im->shstrndx);
	if (!in_file(im, &str))
		return refuse(im, "Invalid ELF section hdr(type %u)", str.type);
	if ((err = check_names_end(im, &str)) || (err = check_sec0(im)))
		return err;
	for (i = 1; i < im->shnum; i++) {
		s = sh(im, i);
		if (s.type == SHT_NULL_ || s.type == SHT_NOBITS_)
			continue;
		if (s.type == SHT_SYMTAB_) {
			if (!s.link || s.link >= im->shnum)
				return bad_link(im, s.link);
			nsym++;
			sym_idx = i;
		}
		if (!in_file(im, &s))
			return refuse(im, "Invalid ELF section in module (section %u type %u)", i,
				      s.type);
		if (named(im, &str, &s, ".gnu.linkonce.this_module")) {
			nmod++;
			mod_idx = i;
		} else if (named(im, &str, &s, ".modinfo")) {
			ninfo++;
			info_idx = i;
		}
		if ((s.flags & SHF_ALLOC_) && s.name >= str.size)
			return refuse(im, "Invalid ELF section name in module (section %u type %u)",
				      i, s.type);
	}
	if (im->t && im->t->file_only)
		return 0;
	if (im->form == FORM_6_1) {
		/* setup_load_info(): find_sec() sees SHF_ALLOC sections only */
		name = modinfo_name(im, find_alloc(im, &str, ".modinfo"), namebuf, sizeof(namebuf));
		if (!nsym)
			return refuse(im, "%s: module has no symbols (stripped?)",
				      name ? name : NO_NAME);
		if (!find_alloc(im, &str, ".gnu.linkonce.this_module"))
			return refuse(im, "%s: No module found in object", name ? name : NO_NAME);
		return 0;
	}
	if (ninfo > 1)
		return refuse(im, "Only one .modinfo section must exist.");
	if (ninfo == 1)
		name = modinfo_name(im, info_idx, namebuf, sizeof(namebuf));
	(void)sym_idx;
	if (nsym != 1)
		return refuse(im, "%s: module has no symbols (stripped?)", name ? name : NO_NAME);
	if (nmod != 1)
		return refuse(im,
			      "module %s: Only one .gnu.linkonce.this_module section must exist.",
			      name ? name : NO_NAME);
	return check_this_module(im, mod_idx, name);
}

/* elf_validity_cache_index_versions() (6.14 on). */
static int check_ext_versions(struct img *im, const struct shdr *str)
{
	unsigned int crc = find_alloc(im, str, "__version_ext_crcs");
	unsigned int names = find_alloc(im, str, "__version_ext_names");
	struct shdr c, n;
	uint64_t count, left;
	const char *p;

	if (!!crc != !!names)
		return refuse(im, "extended version crc+name presence does not match");
	if (!crc)
		return 0;
	c = sh(im, crc);
	n = sh(im, names);
	if (!in_file(im, &n))
		return 0;
	count = c.size / 4;
	p = (const char *)im->p + n.offset;
	left = n.size;
	while (count--) {
		uint64_t len = strnlen(p, left) + 1;

		if (len > left)
			return refuse(im, "more extended version crcs than names");
		left -= len;
		p += len;
	}
	return 0;
}

/* elf_validity_cache_strtab() (6.13 on). */
static int check_strtab(struct img *im, unsigned int sym_idx, unsigned int str_idx)
{
	struct shdr st = sh(im, str_idx), sy = sh(im, sym_idx);
	uint64_t i, n;

	if (!in_file(im, &st) || !in_file(im, &sy))
		return 0;
	if (!st.size)
		return refuse(im, "empty symbol string table");
	if (im->p[st.offset])
		return refuse(im, "symbol string table missing leading NUL");
	if (im->p[st.offset + st.size - 1])
		return refuse(im, "symbol string table isn't NUL terminated");
	n = sy.size / im->symsize;
	for (i = 0; i < n; i++)
		if (rd(im, sy.offset + i * im->symsize, 4) >= st.size)
			return refuse(im, "symbol name out of bounds in string table");
	return 0;
}

/* elf_validity_cache_copy() as split in 6.13. */
static int check_split(struct img *im)
{
	unsigned int i, nsym = 0, sym_idx = 0;
	struct shdr str, s;
	char namebuf[64];
	const char *name = NULL;
	int err, idx;

	if ((err = check_ehdr(im)) || (err = check_table(im)) || (err = check_sec0(im)))
		return err;
	for (i = 1; i < im->shnum; i++) {
		s = sh(im, i);
		if (s.type != SHT_NULL_ && s.type != SHT_NOBITS_ && !in_file(im, &s))
			return refuse(im, "Invalid ELF section in module (section %u type %u)", i,
				      s.type);
	}
	if ((err = check_shstrndx(im)))
		return err;
	str = sh(im, im->shstrndx);
	if (str.type != SHT_STRTAB_)
		return refuse(im, "Invalid ELF section name table type: %u", str.type);
	if ((err = check_names_end(im, &str)))
		return err;
	for (i = 0; i < im->shnum; i++) {
		s = sh(im, i);
		if (s.type != SHT_NULL_ && s.name >= str.size)
			return refuse(im, "Invalid ELF section name in module (section %u type %u)",
				      i, s.type);
	}
	if (im->t && im->t->file_only)
		return 0;
	idx = find_unique(im, &str, ".modinfo");
	if (idx < 0)
		return refuse(im, "Only one .modinfo section must exist.");
	name = modinfo_name(im, (unsigned int)idx, namebuf, sizeof(namebuf));
	idx = find_unique(im, &str, ".gnu.linkonce.this_module");
	if (idx <= 0)
		return refuse(im,
			      "module %s: Exactly one .gnu.linkonce.this_module section must "
			      "exist.",
			      name ? name : NO_NAME);
	if ((err = check_this_module(im, (unsigned int)idx, name)))
		return err;
	for (i = 1; i < im->shnum; i++) {
		if (sh(im, i).type == SHT_SYMTAB_) {
			nsym++;
			sym_idx = i;
		}
	}
	if (nsym != 1)
		return refuse(im, "%s: module has no symbols (stripped?)", name ? name : NO_NAME);
	s = sh(im, sym_idx);
	if (!s.link || s.link >= im->shnum)
		return bad_link(im, s.link);
	if (sh(im, s.link).type != SHT_STRTAB_)
		return refuse(im, "Invalid ELF symbol string table type: %u", sh(im, s.link).type);
	if ((!im->t || !im->t->major || im->t->major > 6 ||
	     (im->t->major == 6 && im->t->minor >= 14)) &&
	    (err = check_ext_versions(im, &str)))
		return err;
	return check_strtab(im, sym_idx, s.link);
}

int kbtf_module_elf_check(const void *image, size_t size, const struct kbtf_elf_target *t,
			  char *log, size_t logsz)
{
	struct img im = {.p = image, .len = size, .t = t, .log = log, .logsz = logsz};
	unsigned int major = t ? t->major : 0, minor = t ? t->minor : 0;
	const uint8_t *p = image;
	size_t i;

	if (log && logsz)
		log[0] = '\0';
	/* the kernel's own word size and byte order; else the module's */
	im.is64 = size > 4 ? p[4] != 1 : true;
	im.big = size > 5 ? p[5] == 2 : false;
	for (i = 0; t && t->arch && i < sizeof(arches) / sizeof(arches[0]); i++) {
		if (!strcmp(arches[i].arch, t->arch)) {
			im.is64 = arches[i].is64;
			im.big = arches[i].big;
			break;
		}
	}
	im.ehsize = im.is64 ? 64 : 52;
	im.shsize = im.is64 ? 64 : 40;
	im.symsize = im.is64 ? 24 : 16;
	if (size >= im.ehsize) {
		im.type = (uint16_t)rd(&im, 16, 2);
		im.machine = (uint16_t)rd(&im, 18, 2);
		im.shoff = rd(&im, im.is64 ? 40 : 32, im.is64 ? 8 : 4);
		im.shentsize = (uint16_t)rd(&im, im.is64 ? 58 : 46, 2);
		im.shnum = (uint16_t)rd(&im, im.is64 ? 60 : 48, 2);
		im.shstrndx = (uint16_t)rd(&im, im.is64 ? 62 : 50, 2);
	}
	if (!major || major > 6 || (major == 6 && minor >= 13))
		im.form = FORM_6_13;
	else if (major == 6 && minor >= 4)
		im.form = FORM_6_4;
	else
		im.form = FORM_6_1;
	return im.form == FORM_6_13 ? check_split(&im) : check_one_walk(&im);
}
