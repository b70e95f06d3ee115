// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Kernel and module sources, recognised from content: raw BTF (either byte
 * order), ELF vmlinux with banner and IKCONFIG, compressed files, bzImage
 * payloads in every scheme (setup header and scanning), modules with
 * .modinfo, __versions, signatures and compression, Debian packages built
 * by dpkg-deb, and hostile packages that try to write outside the target.
 *
 * Every input is made here: BTF with the libkbtf builder, ELF files with
 * libelf, bzImage headers by hand, packages with dpkg-deb or libarchive.
 */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <lz4.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "kernel_bootimage.h"
#include "kbtf/btf.h"
#include "kbtf/builder.h"
#include "pkg_deb.h"
#include "kbtf/distill.h"
#include "elf_read.h"
#include "kbtf/err.h"
#include "kbtf/source.h"
#include "symbols.h"
#include "kbtf/validate.h"
#include "util.h"
#include "prepared.h"

#define REL "9.8.7-kbtf-test"
#define CONFIG_TEXT                                                                                \
	"# comment\nCONFIG_DEBUG_INFO_BTF=y\nCONFIG_PAHOLE_VERSION=124\n"                          \
	"CONFIG_LOCALVERSION=\"-kbtf\"\n# CONFIG_MODULE_ALLOW_BTF_MISMATCH is not set\n"

static char tmpdir[] = "/tmp/kbtf-test-source-XXXXXX";

/* ---------------------------------------------------------------- BTF */

static void base_btf(enum kbtf_endian endian, struct kbtf_buf *out)
{
	struct kbtf_builder *b = kbtf_builder_new(NULL);
	struct kbtf_write_opts o = {.endian = endian};

	assert_non_null(b);
	assert_int_equal(kbtf_builder_add_int(b, "int", 4, BTF_INT_SIGNED, 0, 32), 1);
	assert_int_equal(kbtf_builder_add_struct(b, "task_struct", 8), 2);
	assert_int_equal(kbtf_builder_add_member(b, "pid", 1, 0, 0), 0);
	assert_int_equal(kbtf_builder_add_ptr(b, 2), 3);
	assert_int_equal(kbtf_builder_write(b, &o, out), 0);
	kbtf_builder_free(b);
}

/* A module's split BTF on top of base_btf(). */
static void split_btf(struct kbtf_buf *out)
{
	struct kbtf_buf raw;
	struct kbtf_btf *base;
	struct kbtf_builder *b;

	base_btf(KBTF_ENDIAN_LITTLE, &raw);
	assert_int_equal(kbtf_btf_parse(raw.data, raw.size, NULL, &base), 0);
	b = kbtf_builder_new(base);
	assert_non_null(b);
	assert_int_equal(kbtf_builder_add_struct(b, "mod_state", 16), 4);
	assert_int_equal(kbtf_builder_add_member(b, "task", 3, 0, 0), 0);
	assert_int_equal(kbtf_builder_write(b, NULL, out), 0);
	kbtf_builder_free(b);
	kbtf_btf_free(base);
	kbtf_buf_release(&raw);
}

/* ---------------------------------------------------------------- ELF */

struct gen_sec {
	const char *name;
	uint32_t type;
	uint64_t flags;
	const void *data;
	size_t size;
};

struct gen_elf {
	int cls;       /* ELFCLASS64 / ELFCLASS32 */
	int data;      /* ELFDATA2LSB / ELFDATA2MSB */
	uint16_t type; /* ET_REL / ET_EXEC */
	uint16_t machine;
	const struct gen_sec *secs;
	size_t nr_secs;
	const char *const *undef; /* undefined symbols for .symtab */
	size_t nr_undef;
};

static size_t add_scn(Elf *e, uint32_t name, uint32_t type, uint64_t flags, void *buf, size_t size,
		      Elf_Type dtype)
{
	Elf_Scn *scn = elf_newscn(e);
	Elf_Data *d;
	GElf_Shdr sh;

	assert_non_null(scn);
	d = elf_newdata(scn);
	assert_non_null(d);
	d->d_buf = buf;
	d->d_size = size;
	d->d_type = dtype;
	d->d_align = 1;
	d->d_version = EV_CURRENT;
	assert_non_null(gelf_getshdr(scn, &sh));
	sh.sh_name = name;
	sh.sh_type = type;
	sh.sh_flags = flags;
	sh.sh_addralign = 1;
	assert_true(gelf_update_shdr(scn, &sh));
	return elf_ndxscn(scn);
}

/* Append @s to a string table; its offset. */
static uint32_t add_name(char *buf, size_t *len, const char *s)
{
	uint32_t off = (uint32_t)*len;

	strcpy(buf + *len, s);
	*len += strlen(s) + 1;
	return off;
}

/* Write an ELF file with libelf (into a memfd) and return its bytes. */
static void gen_elf(const struct gen_elf *g, struct kbtf_buf *out)
{
	char shstr[4096], strtab[4096];
	size_t shlen = 1, strtab_len = 1, i, shidx, stridx, symidx;
	uint32_t names[32], n_shstrtab, n_symtab = 0, n_strtab = 0;
	size_t symsz = g->cls == ELFCLASS64 ? sizeof(Elf64_Sym) : sizeof(Elf32_Sym);
	void *syms = NULL;
	GElf_Ehdr eh;
	Elf_Scn *scn;
	Elf_Data *d;
	GElf_Shdr sh;
	Elf *e;
	int fd;

	assert_true(g->nr_secs < 32);
	shstr[0] = strtab[0] = '\0';
	for (i = 0; i < g->nr_secs; i++)
		names[i] = add_name(shstr, &shlen, g->secs[i].name);
	n_shstrtab = add_name(shstr, &shlen, ".shstrtab");
	if (g->nr_undef) {
		n_symtab = add_name(shstr, &shlen, ".symtab");
		n_strtab = add_name(shstr, &shlen, ".strtab");
	}

	assert_int_not_equal(elf_version(EV_CURRENT), EV_NONE);
	fd = memfd_create("gen-elf", 0);
	assert_true(fd >= 0);
	e = elf_begin(fd, ELF_C_WRITE, NULL);
	assert_non_null(e);
	assert_non_null(gelf_newehdr(e, g->cls));
	assert_non_null(gelf_getehdr(e, &eh));
	eh.e_ident[EI_DATA] = (unsigned char)g->data;
	eh.e_type = g->type;
	eh.e_machine = g->machine;
	eh.e_version = EV_CURRENT;
	assert_true(gelf_update_ehdr(e, &eh));

	for (i = 0; i < g->nr_secs; i++)
		add_scn(e, names[i], g->secs[i].type, g->secs[i].flags, (void *)g->secs[i].data,
			g->secs[i].size, ELF_T_BYTE);
	if (g->nr_undef) {
		uint32_t offs[64];

		assert_true(g->nr_undef < 64);
		for (i = 0; i < g->nr_undef; i++)
			offs[i] = add_name(strtab, &strtab_len, g->undef[i]);
		stridx = add_scn(e, n_strtab, SHT_STRTAB, 0, strtab, strtab_len, ELF_T_BYTE);
		syms = calloc(g->nr_undef + 1, symsz);
		symidx =
		    add_scn(e, n_symtab, SHT_SYMTAB, 0, syms, (g->nr_undef + 1) * symsz, ELF_T_SYM);
		scn = elf_getscn(e, symidx);
		d = elf_getdata(scn, NULL);
		for (i = 0; i < g->nr_undef; i++) {
			GElf_Sym s = {.st_name = offs[i],
				      .st_info = GELF_ST_INFO(STB_GLOBAL, STT_NOTYPE),
				      .st_shndx = SHN_UNDEF};

			assert_true(gelf_update_sym(d, (int)i + 1, &s));
		}
		assert_non_null(gelf_getshdr(scn, &sh));
		sh.sh_link = (uint32_t)stridx;
		sh.sh_info = 1;
		sh.sh_entsize = gelf_fsize(e, ELF_T_SYM, 1, EV_CURRENT);
		assert_true(gelf_update_shdr(scn, &sh));
	}
	shidx = add_scn(e, n_shstrtab, SHT_STRTAB, 0, shstr, shlen, ELF_T_BYTE);
	assert_non_null(gelf_getehdr(e, &eh));
	eh.e_shstrndx = (uint16_t)shidx;
	assert_true(gelf_update_ehdr(e, &eh));
	assert_true(elf_update(e, ELF_C_WRITE) > 0);
	elf_end(e);
	free(syms);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	assert_int_equal(kbtf_buf_from_fd(fd, "memfd", out), 0);
	close(fd);
}

/* A vmlinux: .text, .rodata with a banner and IKCONFIG, .BTF. */
static void make_vmlinux(const struct kbtf_buf *btf, bool banner, struct kbtf_buf *out)
{
	static const char text[] = "\x90\x90\xc3";
	char rodata[8192];
	size_t len = 0;
	struct kbtf_buf cfg;
	struct gen_sec secs[3] = {
	    {".text", SHT_PROGBITS, SHF_ALLOC | SHF_EXECINSTR, text, sizeof(text)},
	    {".rodata", SHT_PROGBITS, SHF_ALLOC, rodata, 0},
	    {".BTF", SHT_PROGBITS, 0, btf->data, btf->size},
	};
	struct gen_elf g = {ELFCLASS64, ELFDATA2LSB, ET_EXEC, EM_X86_64, secs, 3, NULL, 0};

	/* a format string first: it must not be taken for the banner */
	len += (size_t)sprintf(rodata, "Linux version %%s (%%s)") + 1;
	if (banner)
		len += (size_t)sprintf(rodata + len,
				       "Linux version " REL " (kbtf@test) (gcc 12) #1 SMP\n") +
		       1;
	assert_int_equal(kbtf_compress(KBTF_COMP_GZIP, CONFIG_TEXT, strlen(CONFIG_TEXT), &cfg), 0);
	memcpy(rodata + len, "IKCFG_ST", 8);
	memcpy(rodata + len + 8, cfg.data, cfg.size);
	memcpy(rodata + len + 8 + cfg.size, "IKCFG_ED", 8);
	len += 16 + cfg.size;
	kbtf_buf_release(&cfg);
	secs[1].size = len;
	gen_elf(&g, out);
}

/* ---------------------------------------------------------------- bzImage */

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)v);
	put16(p + 2, (uint16_t)(v >> 16));
}

/*
 * An x86 boot image: 3 setup sectors after the boot sector, the version
 * string at 0x400, then 0x80 bytes of "decompressor" and the payload with
 * its uncompressed size appended. Protocol < 2.08 leaves the payload
 * fields out (so readers must scan).
 */
static void make_bzimage(const void *payload, size_t plen, uint32_t plain_size, uint16_t proto,
			 struct kbtf_buf *out)
{
	const size_t pm = 4 * 512, pad = 0x80;
	size_t size = pm + pad + plen + 4, i;
	uint8_t *p = malloc(size);

	assert_non_null(p);
	for (i = 0; i < pm + pad; i++)
		p[i] = (uint8_t)(0x90 + i % 7); /* nothing that looks like a magic */
	p[0x1f1] = 3;
	p[0x1fe] = 0x55;
	p[0x1ff] = 0xaa;
	memcpy(p + 0x202, "HdrS", 4);
	put16(p + 0x206, proto);
	put16(p + 0x20e, 0x400 - 0x200);
	memset(p + 0x248, 0, 8);
	if (proto >= 0x0208) {
		put32(p + 0x248, (uint32_t)pad);
		put32(p + 0x24c, (uint32_t)plen + 4);
	}
	strcpy((char *)p + 0x400, REL " (kbtf@test) #1 SMP PREEMPT_DYNAMIC");
	memcpy(p + pm + pad, payload, plen);
	put32(p + pm + pad + plen, plain_size);
	*out = (struct kbtf_buf){p, size, KBTF_BUF_HEAP};
}

static void make_lz4_legacy(const struct kbtf_buf *in, struct kbtf_buf *out)
{
	int bound = LZ4_compressBound((int)in->size), n;
	uint8_t *p = malloc(8 + (size_t)bound);

	assert_non_null(p);
	assert_true(in->size <= (8u << 20));
	put32(p, 0x184c2102);
	n = LZ4_compress_default((const char *)in->data, (char *)p + 8, (int)in->size, bound);
	assert_true(n > 0);
	put32(p + 4, (uint32_t)n);
	*out = (struct kbtf_buf){p, 8 + (size_t)n, KBTF_BUF_HEAP};
}

static void check_vmlinux_kernel(struct kbtf_kernel *k, const struct kbtf_buf *btf)
{
	char val[64];

	assert_string_equal(k->arch, "x86_64");
	assert_int_equal(k->endian, KBTF_ENDIAN_LITTLE);
	assert_int_equal(k->btf_raw.size, btf->size);
	assert_memory_equal(k->btf_raw.data, btf->data, btf->size);
	assert_non_null(k->config);
	assert_string_equal(k->config_from, "IKCONFIG in the image");
	assert_string_equal(kbtf_kernel_config(k, "DEBUG_INFO_BTF", val, sizeof(val)), "y");
	assert_string_equal(kbtf_kernel_config(k, "CONFIG_PAHOLE_VERSION", val, sizeof(val)),
			    "124");
	assert_string_equal(kbtf_kernel_config(k, "LOCALVERSION", val, sizeof(val)), "-kbtf");
	assert_null(kbtf_kernel_config(k, "MODULE_ALLOW_BTF_MISMATCH", val, sizeof(val)));
	assert_null(kbtf_kernel_config(k, "DEBUG_INFO", val, sizeof(val))); /* prefix only */
	assert_non_null(kbtf_kernel_btf(k));
	assert_int_equal(kbtf_btf_type_cnt(k->btf), 4);
}

/* ---------------------------------------------------------------- tests: kernels */

static void test_raw_btf(void **state)
{
	struct kbtf_buf le, be, split;
	struct kbtf_kernel *k;

	base_btf(KBTF_ENDIAN_LITTLE, &le);
	assert_int_equal(kbtf_kernel_open_buf(le.data, le.size, "le", &k), 0);
	assert_int_equal(k->format, KBTF_FMT_RAW_BTF);
	assert_int_equal(k->endian, KBTF_ENDIAN_LITTLE);
	assert_null(k->release);
	assert_non_null(kbtf_kernel_btf(k));
	assert_int_equal(kbtf_btf_type_cnt(k->btf), 4);
	kbtf_kernel_free(k);

	base_btf(KBTF_ENDIAN_BIG, &be);
	assert_int_equal(kbtf_kernel_open_buf(be.data, be.size, "be", &k), 0);
	assert_int_equal(k->endian, KBTF_ENDIAN_BIG);
	assert_non_null(kbtf_kernel_btf(k));
	assert_int_equal(kbtf_btf_type_cnt(k->btf), 4);
	kbtf_kernel_free(k);

	/* truncated: opens (it is BTF by magic) but does not parse */
	assert_int_equal(kbtf_kernel_open_buf(le.data, le.size - 5, "cut", &k), 0);
	assert_null(kbtf_kernel_btf(k));
	assert_true(strlen(kbtf_errstr()) > 0);
	kbtf_kernel_free(k);

	/* an archive of two blobs is not one kernel BTF */
	{
		uint8_t *two = malloc(le.size * 2);

		memcpy(two, le.data, le.size);
		memcpy(two + le.size, le.data, le.size);
		assert_int_equal(kbtf_kernel_open_buf(two, le.size * 2, "two", &k), 0);
		assert_null(kbtf_kernel_btf(k));
		assert_non_null(strstr(kbtf_errstr(), "archive of 2"));
		kbtf_kernel_free(k);
		free(two);
	}

	/* a module's split BTF is not a kernel */
	split_btf(&split);
	assert_int_equal(kbtf_kernel_open_buf(split.data, split.size, "split", &k), -EINVAL);
	assert_non_null(strstr(kbtf_errstr(), "split"));
	kbtf_buf_release(&split);
	kbtf_buf_release(&le);
	kbtf_buf_release(&be);
}

/*
 * A kernel whose BTF is a stack: base_btf() plus split_btf() as a layer
 * (its struct mod_state [4] stands in for a vmlinux.vars type). Given with
 * kbtf_kernel_add_layer_buf, and as one .BTF archive of both blobs.
 */
static void check_stack(struct kbtf_kernel *k, const char *from)
{
	struct kbtf_btf *top = kbtf_kernel_btf_stack(k);
	uint32_t ids[4];

	assert_non_null(top);
	assert_int_equal(k->nr_layers, 1);
	assert_string_equal(k->layers[0].from, from);
	assert_ptr_equal(kbtf_btf_base(top), kbtf_kernel_btf(k));
	assert_int_equal(kbtf_kernel_stack_types(k), 4);
	/* names from every layer, bottom first */
	assert_int_equal(kbtf_btf_index_names_all(top), 0);
	assert_int_equal(kbtf_btf_find_by_name_all(top, "mod_state", BTF_KIND_STRUCT, ids, 4), 1);
	assert_int_equal(ids[0], 4);
	assert_int_equal(kbtf_btf_find_by_name_all(top, "task_struct", -1, ids, 4), 1);
	assert_int_equal(ids[0], 2);
	/* the layer's own index alone does not see the base */
	assert_int_equal(kbtf_btf_find_by_name(top, "task_struct", -1, ids, 4), 0);
}

static void test_stacked_layers(void **state)
{
	struct kbtf_buf base, split;
	struct kbtf_kernel *k;
	uint64_t h0;
	uint8_t *both;

	base_btf(KBTF_ENDIAN_LITTLE, &base);
	split_btf(&split);

	assert_int_equal(kbtf_kernel_open_buf(base.data, base.size, "vmlinux", &k), 0);
	h0 = kbtf_kernel_btf_hash(k);
	assert_ptr_equal(kbtf_kernel_btf_stack(k), kbtf_kernel_btf(k));
	assert_int_equal(kbtf_kernel_add_layer_buf(k, split.data, split.size, "vmlinux.vars"), 0);
	check_stack(k, "vmlinux.vars");
	assert_true(kbtf_kernel_btf_hash(k) != h0);
	/* a complete BTF is not a layer, and nothing is pushed */
	assert_int_equal(kbtf_kernel_add_layer_buf(k, base.data, base.size, "full.btf"), -EINVAL);
	assert_non_null(strstr(kbtf_errstr(), "full.btf: a complete BTF, not a split layer"));
	assert_int_equal(k->nr_layers, 1);
	/* neither is garbage, and a cut layer says so rather than "complete" */
	assert_int_equal(kbtf_kernel_add_layer_buf(k, "\x9f\xeb\x01", 3, "tiny"), -EINVAL);
	assert_int_not_equal(kbtf_kernel_add_layer_buf(k, split.data, split.size - 5, "cut"), 0);
	assert_non_null(strstr(kbtf_errstr(), "cut: "));
	assert_null(strstr(kbtf_errstr(), "complete"));
	assert_int_equal(k->nr_layers, 1);
	kbtf_kernel_free(k);

	/* a layer whose ids run past the stack below does not parse on it */
	assert_int_equal(kbtf_kernel_open_buf(base.data, base.size, "vmlinux", &k), 0);
	{
		struct kbtf_builder *b = kbtf_builder_new(kbtf_kernel_btf(k));

		assert_int_equal(kbtf_builder_add_ptr(b, 40), 4);
		kbtf_buf_release(&split);
		assert_int_equal(kbtf_builder_write(b, NULL, &split), 0);
		kbtf_builder_free(b);
	}
	assert_int_not_equal(kbtf_kernel_add_layer_buf(k, split.data, split.size, "bad"), 0);
	assert_int_equal(k->nr_layers, 0);
	kbtf_kernel_free(k);
	kbtf_buf_release(&split);

	/* vmlinux and its layer in one .BTF: combined, as the stack it is */
	split_btf(&split);
	both = malloc(base.size + split.size);
	memcpy(both, base.data, base.size);
	memcpy(both + base.size, split.data, split.size);
	assert_int_equal(kbtf_kernel_open_buf(both, base.size + split.size, "stack", &k), 0);
	assert_non_null(kbtf_kernel_btf(k));
	assert_true(k->layers[0].in_archive);
	check_stack(k, "archive member 2");
	kbtf_kernel_free(k);
	free(both);
	kbtf_buf_release(&split);
	kbtf_buf_release(&base);
}

static void test_garbage_input(void **state)
{
	static const uint8_t junk[64] = {0x12, 0x34, 0x56, 0x78, 9, 9, 9};
	struct kbtf_kernel *k;
	struct kbtf_module *m;

	assert_int_equal(kbtf_kernel_open_buf(junk, sizeof(junk), "junk", &k), -EINVAL);
	assert_null(k);
	assert_non_null(strstr(kbtf_errstr(), "12 34 56 78"));
	assert_int_equal(kbtf_kernel_open_buf(junk, 2, "tiny", &k), -EINVAL);
	assert_int_equal(kbtf_module_open_buf(junk, sizeof(junk), "junk", &m), -EINVAL);
	assert_null(m);
	/* gzip magic then garbage */
	assert_int_equal(kbtf_kernel_open_buf("\x1f\x8b\x08\x00garbage-garbage", 19, "gz", &k),
			 -EINVAL);
}

static void test_elf_vmlinux(void **state)
{
	struct kbtf_buf btf, elf, gz;
	struct kbtf_kernel *k;

	base_btf(KBTF_ENDIAN_LITTLE, &btf);
	make_vmlinux(&btf, true, &elf);
	assert_int_equal(kbtf_kernel_open_buf(elf.data, elf.size, "vmlinux", &k), 0);
	assert_int_equal(k->format, KBTF_FMT_ELF);
	assert_string_equal(k->release, REL);
	assert_string_equal(k->release_from, "Linux version banner");
	assert_int_equal(k->compression, KBTF_COMP_NONE);
	check_vmlinux_kernel(k, &btf);
	kbtf_kernel_free(k);

	/* the same, gzip-compressed (a plain vmlinux.gz) */
	assert_int_equal(kbtf_compress(KBTF_COMP_GZIP, elf.data, elf.size, &gz), 0);
	assert_int_equal(kbtf_kernel_open_buf(gz.data, gz.size, "vmlinux.gz", &k), 0);
	assert_int_equal(k->format, KBTF_FMT_ELF);
	assert_int_equal(k->compression, KBTF_COMP_GZIP);
	assert_non_null(strstr(k->format_detail, "gzip"));
	check_vmlinux_kernel(k, &btf);
	kbtf_kernel_free(k);
	kbtf_buf_release(&gz);
	kbtf_buf_release(&elf);

	/* an ELF without .BTF */
	{
		struct gen_sec s = {".text", SHT_PROGBITS, SHF_ALLOC, "\xc3", 1};
		struct gen_elf g = {ELFCLASS64, ELFDATA2LSB, ET_EXEC, EM_X86_64, &s, 1, NULL, 0};

		gen_elf(&g, &elf);
		assert_int_equal(kbtf_kernel_open_buf(elf.data, elf.size, "nobtf", &k), -ENOENT);
		assert_non_null(strstr(kbtf_errstr(), ".BTF"));
		kbtf_buf_release(&elf);
	}
	kbtf_buf_release(&btf);
}

static void test_bzimage_every_scheme(void **state)
{
	static const enum kbtf_compression schemes[] = {
	    KBTF_COMP_GZIP, KBTF_COMP_XZ,  KBTF_COMP_LZMA,
	    KBTF_COMP_ZSTD, KBTF_COMP_LZ4, KBTF_COMP_BZIP2,
	};
	struct kbtf_buf btf, elf, packed, img;
	struct kbtf_bootimage bi;
	struct kbtf_kernel *k;
	size_t i;

	base_btf(KBTF_ENDIAN_LITTLE, &btf);
	make_vmlinux(&btf, false, &elf);
	for (i = 0; i <= sizeof(schemes) / sizeof(schemes[0]); i++) {
		bool legacy = i == sizeof(schemes) / sizeof(schemes[0]);
		enum kbtf_compression c = legacy ? KBTF_COMP_LZ4 : schemes[i];

		if (legacy)
			make_lz4_legacy(&elf, &packed);
		else
			assert_int_equal(kbtf_compress(c, elf.data, elf.size, &packed), 0);
		make_bzimage(packed.data, packed.size, (uint32_t)elf.size, 0x020f, &img);

		assert_true(kbtf_bootimage_detect(img.data, img.size));
		assert_int_equal(kbtf_bootimage_read(img.data, img.size, &bi), 0);
		assert_false(bi.scanned);
		assert_int_equal(bi.compression, c);
		assert_int_equal(bi.payload_off, 4 * 512 + 0x80);
		assert_int_equal(bi.payload_len, packed.size + 4);
		assert_int_equal(bi.elf.size, elf.size);
		assert_memory_equal(bi.elf.data, elf.data, elf.size);
		assert_string_equal(bi.release, REL);
		kbtf_bootimage_release(&bi);

		assert_int_equal(kbtf_kernel_open_buf(img.data, img.size, "vmlinuz", &k), 0);
		assert_int_equal(k->format, KBTF_FMT_BOOT_IMAGE);
		assert_int_equal(k->compression, c);
		assert_string_equal(k->release, REL);
		assert_string_equal(k->release_from, "boot image header");
		check_vmlinux_kernel(k, &btf);
		kbtf_kernel_free(k);

		/* the size trailer bounds the output: a lie is caught */
		put32(img.data + img.size - 4, (uint32_t)elf.size - 1);
		assert_int_not_equal(kbtf_bootimage_read(img.data, img.size, &bi), 0);
		kbtf_buf_release(&img);
		kbtf_buf_release(&packed);
	}
	kbtf_buf_release(&elf);
	kbtf_buf_release(&btf);
}

static void test_bzimage_scanning(void **state)
{
	struct kbtf_buf btf, elf, packed, img;
	struct kbtf_bootimage bi;

	base_btf(KBTF_ENDIAN_LITTLE, &btf);
	make_vmlinux(&btf, true, &elf);
	assert_int_equal(kbtf_compress(KBTF_COMP_XZ, elf.data, elf.size, &packed), 0);

	/* protocol 2.06: no payload fields, found by scanning */
	make_bzimage(packed.data, packed.size, (uint32_t)elf.size, 0x0206, &img);
	assert_int_equal(kbtf_bootimage_read(img.data, img.size, &bi), 0);
	assert_true(bi.scanned);
	assert_int_equal(bi.compression, KBTF_COMP_XZ);
	assert_int_equal(bi.elf.size, elf.size);
	kbtf_bootimage_release(&bi);
	kbtf_buf_release(&img);

	/* payload fields pointing past the end: scanning still finds it */
	make_bzimage(packed.data, packed.size, (uint32_t)elf.size, 0x020f, &img);
	put32(img.data + 0x248, 0x7fffff00);
	assert_int_equal(kbtf_bootimage_read(img.data, img.size, &bi), 0);
	assert_true(bi.scanned);
	kbtf_bootimage_release(&bi);

	/* no payload at all: a clean error */
	memset(img.data + 4 * 512, 0, img.size - 4 * 512);
	assert_int_equal(kbtf_bootimage_read(img.data, img.size, &bi), -EINVAL);
	assert_null(bi.elf.data);
	kbtf_buf_release(&img);

	/* a payload that is not an ELF is not a kernel */
	make_bzimage(packed.data, packed.size, (uint32_t)elf.size, 0x020f, &img);
	kbtf_buf_release(&packed);
	assert_int_equal(kbtf_compress(KBTF_COMP_ZSTD, "just text, no ELF", 17, &packed), 0);
	kbtf_buf_release(&img);
	make_bzimage(packed.data, packed.size, 17, 0x020f, &img);
	assert_int_not_equal(kbtf_bootimage_read(img.data, img.size, &bi), 0);
	assert_non_null(strstr(kbtf_errstr(), "not an ELF"));
	kbtf_buf_release(&img);
	kbtf_buf_release(&packed);
	kbtf_buf_release(&elf);
	kbtf_buf_release(&btf);
}

/* ---------------------------------------------------------------- tests: modules */

#define SIG_MAGIC "~Module signature appended~\n"

/* __versions records: { crc (word, ELF order), name[64 - word] }. */
static size_t make_versions(uint8_t *out, const char *const *names, const uint32_t *crcs, size_t n,
			    bool is64, bool big)
{
	size_t word = is64 ? 8 : 4, i, j;

	memset(out, 0, n * 64);
	for (i = 0; i < n; i++) {
		uint8_t *rec = out + i * 64;

		for (j = 0; j < 4; j++)
			rec[big ? word - 1 - j : j] = (uint8_t)(crcs[i] >> (8 * j));
		strcpy((char *)rec + word, names[i]);
	}
	return n * 64;
}

static void make_module(int cls, int data, uint16_t machine, const struct kbtf_buf *btf,
			const struct kbtf_buf *btf_base, struct kbtf_buf *out)
{
	static const char modinfo[] = "license=GPL\0depends=bar,baz\0name=kbtf_demo\0"
				      "vermagic=" REL " SMP preempt mod_unload modversions ";
	static const char *const undef[] = {"printk", "kmalloc_caches", "no_crc_symbol"};
	static const char *const vnames[] = {"kmalloc_caches", "printk", "module_layout"};
	static const uint32_t crcs[] = {0xdeadbeef, 0x12345678, 0xcafef00d};
	uint8_t versions[3 * 64];
	struct gen_sec secs[6];
	size_t n = 0;
	struct gen_elf g = {cls, data, ET_REL, machine, secs, 0, undef, 3};

	secs[n++] = (struct gen_sec){".text", SHT_PROGBITS, SHF_ALLOC | SHF_EXECINSTR, "\xc3", 1};
	secs[n++] = (struct gen_sec){".modinfo", SHT_PROGBITS, SHF_ALLOC, modinfo, sizeof(modinfo)};
	secs[n++] = (struct gen_sec){
	    "__versions", SHT_PROGBITS, SHF_ALLOC, versions,
	    make_versions(versions, vnames, crcs, 3, cls == ELFCLASS64, data == ELFDATA2MSB)};
	if (btf)
		secs[n++] = (struct gen_sec){".BTF", SHT_PROGBITS, 0, btf->data, btf->size};
	if (btf_base)
		secs[n++] =
		    (struct gen_sec){".BTF.base", SHT_PROGBITS, 0, btf_base->data, btf_base->size};
	g.nr_secs = n;
	gen_elf(&g, out);
}

/* Append PKCS#7 stand-in + struct module_signature + magic. */
static void sign(struct kbtf_buf *ko, uint32_t sig_len, uint32_t claimed)
{
	size_t old = ko->size, total = sig_len + 12 + strlen(SIG_MAGIC);
	uint8_t *p = realloc(ko->data, old + total);

	assert_non_null(p);
	memset(p + old, 0xa5, sig_len);
	memset(p + old + sig_len, 0, 12);
	p[old + sig_len + 2] = 2; /* PKEY_ID_PKCS7 */
	p[old + sig_len + 8] = (uint8_t)(claimed >> 24);
	p[old + sig_len + 9] = (uint8_t)(claimed >> 16);
	p[old + sig_len + 10] = (uint8_t)(claimed >> 8);
	p[old + sig_len + 11] = (uint8_t)claimed;
	memcpy(p + old + sig_len + 12, SIG_MAGIC, strlen(SIG_MAGIC));
	ko->data = p;
	ko->size = old + total;
}

static void check_module(const struct kbtf_module *m, const char *arch, const struct kbtf_buf *btf)
{
	size_t i;

	assert_string_equal(m->arch, arch);
	assert_string_equal(m->name, "kbtf_demo");
	assert_string_equal(m->vermagic, REL " SMP preempt mod_unload modversions ");
	assert_string_equal(m->depends, "bar,baz");
	assert_false(m->has_dwarf);
	assert_int_equal(m->nr_undef, 3);
	for (i = 0; i < m->nr_undef; i++) {
		const struct kbtf_modsym *s = &m->undef[i];

		if (!strcmp(s->name, "printk")) {
			assert_true(s->has_crc);
			assert_int_equal(s->crc, 0x12345678);
		} else if (!strcmp(s->name, "kmalloc_caches")) {
			assert_true(s->has_crc);
			assert_int_equal(s->crc, 0xdeadbeef);
		} else {
			assert_string_equal(s->name, "no_crc_symbol");
			assert_false(s->has_crc);
		}
	}
	if (btf) {
		assert_int_equal(m->btf_size, btf->size);
		assert_memory_equal(m->btf_data, btf->data, btf->size);
	} else {
		assert_null(m->btf_data);
	}
}

static void test_module_plain_and_signed(void **state)
{
	struct kbtf_buf btf, ko, xz;
	struct kbtf_module *m;
	size_t unsigned_size;
	char path[256];

	split_btf(&btf);
	make_module(ELFCLASS64, ELFDATA2LSB, EM_X86_64, &btf, NULL, &ko);
	unsigned_size = ko.size;
	assert_int_equal(kbtf_module_open_buf(ko.data, ko.size, "m.ko", &m), 0);
	check_module(m, "x86_64", &btf);
	assert_int_equal(m->sig_len, 0);
	assert_int_equal(m->compression, KBTF_COMP_NONE);
	assert_null(m->btf_base_data);
	kbtf_module_free(m);

	/* signed: the trailer is cut and kept verbatim */
	sign(&ko, 100, 100);
	assert_int_equal(kbtf_module_open_buf(ko.data, ko.size, "signed.ko", &m), 0);
	check_module(m, "x86_64", &btf);
	assert_int_equal(m->sig_len, 100 + 12 + 28);
	assert_int_equal(m->image.size, unsigned_size);
	assert_int_equal(m->signature.size, m->sig_len);
	assert_memory_equal(m->signature.data, ko.data + unsigned_size, m->sig_len);
	kbtf_module_free(m);

	/* signed, then xz-compressed, from a file */
	assert_int_equal(kbtf_compress(KBTF_COMP_XZ, ko.data, ko.size, &xz), 0);
	snprintf(path, sizeof(path), "%s/signed.ko.xz", tmpdir);
	assert_int_equal(kbtf_write_file_atomic(path, xz.data, xz.size, 0644), 0);
	assert_int_equal(kbtf_module_open(path, &m), 0);
	assert_int_equal(m->compression, KBTF_COMP_XZ);
	assert_int_equal(m->sig_len, 140);
	check_module(m, "x86_64", &btf);
	kbtf_module_free(m);
	kbtf_buf_release(&xz);
	kbtf_buf_release(&ko);

	/* a signature claiming more bytes than the file */
	make_module(ELFCLASS64, ELFDATA2LSB, EM_X86_64, &btf, NULL, &ko);
	sign(&ko, 16, 0x7fffffff);
	assert_int_equal(kbtf_module_open_buf(ko.data, ko.size, "bad.ko", &m), -EINVAL);
	assert_non_null(strstr(kbtf_errstr(), "signature"));
	kbtf_buf_release(&ko);
	kbtf_buf_release(&btf);
}

static void test_module_big_endian_32(void **state)
{
	struct kbtf_buf ko;
	struct kbtf_module *m;

	/* s390x: 64-bit big-endian, CRCs as big-endian 8-byte words */
	make_module(ELFCLASS64, ELFDATA2MSB, EM_S390, NULL, NULL, &ko);
	assert_int_equal(kbtf_module_open_buf(ko.data, ko.size, "s390.ko", &m), 0);
	assert_int_equal(m->endian, KBTF_ENDIAN_BIG);
	check_module(m, "s390x", NULL);
	kbtf_module_free(m);
	kbtf_buf_release(&ko);

	/* i386: 32-bit, 4-byte CRC words */
	make_module(ELFCLASS32, ELFDATA2LSB, EM_386, NULL, NULL, &ko);
	assert_int_equal(kbtf_module_open_buf(ko.data, ko.size, "i386.ko", &m), 0);
	check_module(m, "i386", NULL);
	kbtf_module_free(m);
	kbtf_buf_release(&ko);
}

static void test_module_with_base_and_as_kernel(void **state)
{
	struct kbtf_buf split, base, ko;
	struct kbtf_module *m;
	struct kbtf_kernel *k;

	split_btf(&split);
	base_btf(KBTF_ENDIAN_LITTLE, &base);
	make_module(ELFCLASS64, ELFDATA2LSB, EM_X86_64, &split, &base, &ko);
	assert_int_equal(kbtf_module_open_buf(ko.data, ko.size, "dist.ko", &m), 0);
	assert_int_equal(m->btf_base_size, base.size);
	assert_memory_equal(m->btf_base_data, base.data, base.size);
	kbtf_module_free(m);
	/* a module with split .BTF is not a kernel */
	assert_int_equal(kbtf_kernel_open_buf(ko.data, ko.size, "dist.ko", &k), -EINVAL);
	kbtf_buf_release(&ko);

	/* vmlinux BTF delivered in a module (btf_vmlinux.ko): a kernel */
	make_module(ELFCLASS64, ELFDATA2LSB, EM_X86_64, &base, NULL, &ko);
	assert_int_equal(kbtf_kernel_open_buf(ko.data, ko.size, "btf_vmlinux.ko", &k), 0);
	assert_int_equal(k->format, KBTF_FMT_MODULE);
	assert_non_null(kbtf_kernel_btf(k));
	assert_int_equal(kbtf_btf_type_cnt(k->btf), 4);
	kbtf_kernel_free(k);
	kbtf_buf_release(&ko);
	kbtf_buf_release(&split);
	kbtf_buf_release(&base);
}

static void test_module_malformed_elf(void **state)
{
	struct kbtf_buf btf, ko;
	struct kbtf_module *m;
	struct kbtf_elf *e;
	GElf_Ehdr *eh;
	uint8_t *copy;
	size_t cut;

	split_btf(&btf);
	make_module(ELFCLASS64, ELFDATA2LSB, EM_X86_64, &btf, NULL, &ko);

	/* every truncation fails cleanly or reads what is there */
	for (cut = 0; cut < ko.size; cut += 13) {
		copy = malloc(cut ? cut : 1);
		memcpy(copy, ko.data, cut);
		if (!kbtf_module_open_buf(copy, cut, "cut.ko", &m))
			kbtf_module_free(m);
		free(copy);
	}

	/* a section header pointing past the end */
	assert_int_equal(kbtf_elf_open(ko.data, ko.size, &e), 0);
	kbtf_elf_close(e);
	eh = (GElf_Ehdr *)ko.data; /* ELF64 on a 64-bit host: same layout */
	{
		Elf64_Shdr *sh = (Elf64_Shdr *)(ko.data + eh->e_shoff);
		uint16_t i;

		for (i = 1; i < eh->e_shnum; i++)
			if (sh[i].sh_size == btf.size && sh[i].sh_type == SHT_PROGBITS)
				sh[i].sh_offset = 0x7ffffff0;
	}
	assert_int_equal(kbtf_module_open_buf(ko.data, ko.size, "evil.ko", &m), -EINVAL);
	assert_non_null(strstr(kbtf_errstr(), "runs past"));

	/* not relocatable */
	eh->e_type = ET_EXEC;
	assert_int_equal(kbtf_module_open_buf(ko.data, ko.size, "exec.ko", &m), -EINVAL);
	assert_non_null(strstr(kbtf_errstr(), "ET_REL"));
	kbtf_buf_release(&ko);
	kbtf_buf_release(&btf);
}

/*
 * The module object as the one reader of .modinfo, __versions and
 * __ksymtab_strings, with the kernel's rules: get_modinfo() takes the
 * first record of a key (even an empty value), get_next_modinfo() every
 * one; check_version() reads whole __versions records only and takes the
 * first of a name.
 */
static void put_version(uint8_t *rec, uint32_t crc, const char *name, size_t len)
{
	memset(rec, 0, 64);
	memcpy(rec, &crc, 4); /* 64-bit little-endian: the low half of the word */
	memcpy(rec + 8, name, len);
}

static void test_module_modinfo_and_versions(void **state)
{
	/* padding, an empty license first, a record without '=', repeated
	 * keys, and a last record without its NUL */
	static const char modinfo[] =
	    "\0\0license=\0license=GPL\0import_ns=NS_A\0alias=x\0noequals\0"
	    "import_ns=NS_B\0\0\0name=first\0name=second\0vermagic=6.1 SMP";
	static const char ksymtab[] = "my_export\0\0other_export";
	static const char *const undef[] = {"dup", "long_name_only_in_ext", "no_crc"};
	static const char ext_names[] = "dup\0long_name_only_in_ext";
	static const uint32_t ext_crcs[] = {0x77777777, 0x88888888};
	static const char garbage[] = "not BTF at all";
	uint8_t versions[6 * 64];
	char long_name[56];
	struct gen_sec secs[8];
	struct gen_elf g = {ELFCLASS64, ELFDATA2LSB, ET_REL, EM_X86_64, secs, 0, undef, 3};
	const struct kbtf_modversion *v;
	struct kbtf_modsyms ms;
	struct kbtf_module *m;
	struct kbtf_btf *layout;
	struct kbtf_vmod *vm;
	struct kbtf_buf ko;
	size_t pos = 0, n = 0;

	put_version(versions, 0x11111111, "dup", 3);
	put_version(versions + 64, 0x22222222, "dup", 3);
	put_version(versions + 128, 0x33333333, "", 0);
	memset(long_name, 'x', sizeof(long_name)); /* fills its record, no NUL */
	put_version(versions + 192, 0x44444444, long_name, sizeof(long_name));
	put_version(versions + 256, 0x55555555, "module_layout", 13);
	put_version(versions + 320, 0x66666666, "cut", 3); /* only 40 of its 64 bytes */
	secs[n++] = (struct gen_sec){".text", SHT_PROGBITS, SHF_ALLOC | SHF_EXECINSTR, "\xc3", 1};
	secs[n++] =
	    (struct gen_sec){".modinfo", SHT_PROGBITS, SHF_ALLOC, modinfo, sizeof(modinfo) - 1};
	secs[n++] = (struct gen_sec){"__versions", SHT_PROGBITS, SHF_ALLOC, versions, 5 * 64 + 40};
	secs[n++] = (struct gen_sec){"__version_ext_crcs", SHT_PROGBITS, SHF_ALLOC, ext_crcs,
				     sizeof(ext_crcs)};
	secs[n++] = (struct gen_sec){"__version_ext_names", SHT_PROGBITS, SHF_ALLOC, ext_names,
				     sizeof(ext_names)};
	secs[n++] = (struct gen_sec){"__ksymtab_strings", SHT_PROGBITS, SHF_ALLOC, ksymtab,
				     sizeof(ksymtab) - 1};
	g.nr_secs = n;
	gen_elf(&g, &ko);
	assert_int_equal(kbtf_module_open_buf(ko.data, ko.size, "facts.ko", &m), 0);

	/* .modinfo: every keyed record in order, values cut at the first '=' */
	assert_int_equal(m->nr_modinfo, 8);
	assert_string_equal(m->modinfo[0].key, "license");
	assert_string_equal(m->modinfo[0].value, "");
	assert_string_equal(m->modinfo[7].key, "vermagic");
	assert_string_equal(kbtf_module_modinfo(m, "license"), "");
	assert_null(kbtf_module_modinfo(m, "noequals"));
	assert_null(kbtf_module_modinfo(m, "depends"));
	assert_string_equal(kbtf_module_modinfo_next(m, "import_ns", &pos), "NS_A");
	assert_string_equal(kbtf_module_modinfo_next(m, "import_ns", &pos), "NS_B");
	assert_null(kbtf_module_modinfo_next(m, "import_ns", &pos));
	assert_string_equal(m->name, "first");
	assert_string_equal(m->vermagic, "6.1 SMP");
	assert_null(m->depends);

	/* __versions: whole records only, empty and unterminated names left out */
	assert_true(m->has_versions);
	assert_int_equal(m->nr_versions, 3);
	v = kbtf_module_version(m, "dup");
	assert_non_null(v);
	assert_int_equal(v->crc, 0x11111111);
	assert_int_equal(kbtf_module_version(m, "module_layout")->crc, 0x55555555);
	assert_null(kbtf_module_version(m, "cut"));
	assert_int_equal(m->nr_ext_versions, 2);
	assert_string_equal(m->ext_versions[1].name, "long_name_only_in_ext");

	/* the undefined symbols: the extended table first, where there is one */
	assert_int_equal(m->nr_undef, 3);
	assert_true(m->undef[0].has_crc);
	assert_int_equal(m->undef[0].crc, 0x77777777);
	assert_int_equal(m->undef[1].crc, 0x88888888);
	assert_false(m->undef[2].has_crc);

	/* own exports, the last one without its NUL */
	assert_int_equal(m->nr_exports, 2);
	assert_string_equal(m->exports[0], "my_export");
	assert_string_equal(m->exports[1], "other_export");
	assert_int_equal(m->layout_err, -ENOENT);
	assert_int_equal(kbtf_layout_load(m, &layout), -ENOENT);

	/* the validator's view comes from the same object */
	assert_int_equal(kbtf_modsyms_from_module(m, &ms), 0);
	assert_string_equal(ms.license, "");
	assert_int_equal(ms.nr_import_ns, 2);
	assert_string_equal(ms.import_ns[1], "NS_B");
	assert_int_equal(ms.nr_exports, 2);
	assert_true(ms.has_versions);
	assert_true(ms.has_layout_crc);
	assert_int_equal(ms.layout_crc, 0x55555555);
	kbtf_modsyms_fini(&ms);
	kbtf_module_free(m);
	kbtf_buf_release(&ko);

	/* a broken layout record is kept as such, with its reason */
	secs[n++] =
	    (struct gen_sec){KBTF_LAYOUT_SECTION, SHT_PROGBITS, 0, garbage, sizeof(garbage)};
	g.nr_secs = n;
	gen_elf(&g, &ko);
	assert_int_equal(kbtf_module_open_buf(ko.data, ko.size, "broken.ko", &m), 0);
	assert_int_equal(m->layout_err, 0);
	assert_int_equal(m->layout_size, sizeof(garbage));
	assert_int_not_equal(kbtf_layout_load(m, &layout), 0);
	assert_int_not_equal(kbtf_layout_load(m, &layout), -ENOENT);
	assert_int_equal(kbtf_vmod_from_module(m, &vm), 0);
	assert_null(vm->layout);
	assert_non_null(vm->layout_error);
	assert_non_null(strstr(vm->layout_error, KBTF_LAYOUT_SECTION));
	kbtf_vmod_free(vm);
	kbtf_module_free(m);
	kbtf_buf_release(&ko);
}

/* ---------------------------------------------------------------- tests: packages */

static void write_file(const char *dir, const char *rel, const void *data, size_t size)
{
	char path[512], *slash;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	for (slash = strchr(path + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		mkdir(path, 0755);
		*slash = '/';
	}
	assert_int_equal(kbtf_write_file_atomic(path, data, size, 0644), 0);
}

static bool exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

/*
 * An arm64 Image as Debian installs it: the 64-byte header with the EFI
 * stub's "MZ" and "ARM\x64" at 0x38, code, a decoy that starts like a BTF
 * header but does not hold together, the .BTF section, the banner.
 */
static void make_arm64_image(const struct kbtf_buf *btf, struct kbtf_buf *img)
{
	static const char banner[] = "Linux version 6.12.0-kbtf-arm64 (gcc 12) #1 SMP\n";
	static const uint8_t decoy[] = {0x9f, 0xeb, 1,	  0,	24, 0, 0, 0, 0, 0, 0, 0,
					0xff, 0xff, 0xff, 0x7f, 0,  0, 0, 0, 2, 0, 0, 0};
	size_t size = 4096 + btf->size + sizeof(banner);

	img->data = calloc(1, size);
	assert_non_null(img->data);
	img->size = size;
	img->owner = KBTF_BUF_HEAP;
	memcpy(img->data, "MZ", 2);
	memcpy(img->data + 0x38, "ARM\x64", 4);
	memcpy(img->data + 1024, decoy, sizeof(decoy));
	memcpy(img->data + 4096, btf->data, btf->size);
	memcpy(img->data + 4096 + btf->size, banner, sizeof(banner));
}

static void test_arm64_image_and_zboot(void **state)
{
	struct kbtf_buf btf, img, packed, zb;
	struct kbtf_kernel *k;

	(void)state;
	base_btf(KBTF_ENDIAN_LITTLE, &btf);
	make_arm64_image(&btf, &img);
	assert_int_equal(kbtf_kernel_open_buf(img.data, img.size, "Image", &k), 0);
	assert_int_equal(k->format, KBTF_FMT_BOOT_IMAGE);
	assert_string_equal(k->arch, "aarch64");
	assert_string_equal(k->release, "6.12.0-kbtf-arm64");
	assert_int_equal(k->btf_raw.size, btf.size);
	assert_memory_equal(k->btf_raw.data, btf.data, btf.size);
	kbtf_kernel_free(k);

	/* EFI zboot around it: "MZ" "zimg", payload offset and size, "gzip" */
	assert_int_equal(kbtf_compress(KBTF_COMP_GZIP, img.data, img.size, &packed), 0);
	zb.size = 4096 + packed.size;
	zb.data = calloc(1, zb.size);
	zb.owner = KBTF_BUF_HEAP;
	assert_non_null(zb.data);
	memcpy(zb.data, "MZ\0\0zimg", 8);
	put32(zb.data + 8, 4096);
	put32(zb.data + 12, (uint32_t)packed.size);
	memcpy(zb.data + 0x18, "gzip", 5);
	memcpy(zb.data + 4096, packed.data, packed.size);
	assert_int_equal(kbtf_kernel_open_buf(zb.data, zb.size, "vmlinuz.efi", &k), 0);
	assert_int_equal(k->compression, KBTF_COMP_GZIP);
	assert_non_null(strstr(k->format_detail, "EFI zboot"));
	assert_string_equal(k->arch, "aarch64");
	assert_string_equal(k->release, "6.12.0-kbtf-arm64");
	assert_memory_equal(k->btf_raw.data, btf.data, btf.size);
	kbtf_kernel_free(k);

	/* a payload size past the end is refused, not read */
	put32(zb.data + 12, (uint32_t)packed.size + 1);
	assert_int_equal(kbtf_kernel_open_buf(zb.data, zb.size, "vmlinuz.efi", &k), -EINVAL);
	assert_non_null(strstr(kbtf_errstr(), "runs past"));

	/* an Image without BTF says so */
	memset(img.data + 4096, 0, btf.size);
	assert_int_equal(kbtf_kernel_open_buf(img.data, img.size, "Image", &k), -ENOENT);
	assert_non_null(strstr(kbtf_errstr(), "CONFIG_DEBUG_INFO_BTF"));

	kbtf_buf_release(&zb);
	kbtf_buf_release(&packed);
	kbtf_buf_release(&img);
	kbtf_buf_release(&btf);
}

/* The boot image every package and directory test uses. */
static void zstd_bzimage(struct kbtf_buf *btf, struct kbtf_buf *img)
{
	struct kbtf_buf elf, packed;

	base_btf(KBTF_ENDIAN_LITTLE, btf);
	make_vmlinux(btf, true, &elf);
	assert_int_equal(kbtf_compress(KBTF_COMP_ZSTD, elf.data, elf.size, &packed), 0);
	make_bzimage(packed.data, packed.size, (uint32_t)elf.size, 0x020f, img);
	kbtf_buf_release(&packed);
	kbtf_buf_release(&elf);
}

static void test_unpacked_dirs(void **state)
{
	static const char plain_cfg[] = "CONFIG_FROM_FILE=y\n";
	char dir[256], path[1024], val[16];
	struct kbtf_buf btf, img, elf;
	struct kbtf_kernel *k;

	zstd_bzimage(&btf, &img);

	/* an unpacked package: boot/vmlinuz-<rel> + boot/config-<rel> */
	snprintf(dir, sizeof(dir), "%s/unpacked", tmpdir);
	write_file(dir, "boot/vmlinuz-" REL, img.data, img.size);
	write_file(dir, "boot/config-" REL, plain_cfg, strlen(plain_cfg));
	assert_int_equal(kbtf_kernel_open(dir, NULL, &k), 0);
	assert_int_equal(k->format, KBTF_FMT_DIR);
	assert_string_equal(k->release, REL);
	assert_string_equal(k->release_from, "boot image header");
	/* IKCONFIG came first; the package's config is only a fallback */
	assert_string_equal(k->config_from, "IKCONFIG in the image");
	snprintf(path, sizeof(path), "%s/boot/vmlinuz-" REL, dir);
	assert_string_equal(k->image_path, path);
	kbtf_kernel_free(k);

	/* the headers package unpacked beside it: a second config, Module.symvers */
	write_file(dir, "usr/src/linux-headers-" REL "/.config", plain_cfg, strlen(plain_cfg));
	write_file(dir, "usr/src/linux-headers-" REL "/Module.symvers", "", 0);
	write_file(dir, "usr/src/linux-headers-0.1-other/Module.symvers", "", 0);
	assert_int_equal(kbtf_kernel_open(dir, NULL, &k), 0);
	snprintf(path, sizeof(path), "%s/usr/src/linux-headers-" REL "/Module.symvers", dir);
	assert_string_equal(k->symvers_path, path);
	kbtf_kernel_free(k);

	/* a build tree: vmlinux + .config + Module.symvers */
	snprintf(dir, sizeof(dir), "%s/build", tmpdir);
	make_vmlinux(&btf, false, &elf);
	write_file(dir, "vmlinux", elf.data, elf.size);
	write_file(dir, ".config", plain_cfg, strlen(plain_cfg));
	write_file(dir, "Module.symvers", "0x1\tprintk\tvmlinux\tEXPORT_SYMBOL\t\n",
		   strlen("0x1\tprintk\tvmlinux\tEXPORT_SYMBOL\t\n"));
	assert_int_equal(kbtf_kernel_open(dir, NULL, &k), 0);
	assert_int_equal(k->format, KBTF_FMT_DIR);
	assert_non_null(strstr(k->format_detail, "build directory"));
	snprintf(path, sizeof(path), "%s/Module.symvers", dir);
	assert_string_equal(k->symvers_path, path);
	assert_null(k->image_path);
	kbtf_kernel_free(k);
	kbtf_buf_release(&elf);

	/* a stored profile */
	snprintf(dir, sizeof(dir), "%s/profile", tmpdir);
	write_file(dir, "kbtf-profile", "", 0);
	write_file(dir, "btf", btf.data, btf.size);
	write_file(dir, "release", REL "\n", strlen(REL) + 1);
	write_file(dir, "config", plain_cfg, strlen(plain_cfg));
	assert_int_equal(kbtf_kernel_open(dir, NULL, &k), 0);
	assert_int_equal(k->format, KBTF_FMT_PROFILE);
	assert_string_equal(k->release, REL);
	assert_string_equal(kbtf_kernel_config(k, "FROM_FILE", val, sizeof(val)), "y");
	kbtf_kernel_free(k);

	/* the same profile by name, under $XDG_CACHE_HOME/kbtf/kernels */
	snprintf(dir, sizeof(dir), "%s/cache/kbtf/kernels/myprofile", tmpdir);
	write_file(dir, "kbtf-profile", "", 0);
	write_file(dir, "btf", btf.data, btf.size);
	snprintf(path, sizeof(path), "%s/cache", tmpdir);
	setenv("XDG_CACHE_HOME", path, 1);
	assert_int_equal(kbtf_kernel_open("myprofile", NULL, &k), 0);
	assert_int_equal(k->format, KBTF_FMT_PROFILE);
	kbtf_kernel_free(k);
	assert_int_equal(kbtf_kernel_open("nosuchprofile", NULL, &k), -ENOENT);
	assert_int_equal(kbtf_kernel_open("0.0.0-no-such-release", NULL, &k), -ENOENT);
	assert_non_null(strstr(kbtf_errstr(), "0.0.0-no-such-release"));

	/* an empty directory holds no kernel */
	snprintf(dir, sizeof(dir), "%s/empty", tmpdir);
	mkdir(dir, 0755);
	assert_int_equal(kbtf_kernel_open(dir, NULL, &k), -ENOENT);
	kbtf_buf_release(&img);
	kbtf_buf_release(&btf);
}

/* A kernel selector that also counts what it was asked about under usr/. */
struct asked {
	int usr;
};

static bool count_asked(const char *path, void *ctx)
{
	struct asked *a = ctx;

	a->usr += !strncmp(path, "usr/", 4);
	return kbtf_deb_select_kernel(path, NULL);
}

static void test_deb_from_dpkg(void **state)
{
	static const char control[] = "Package: linux-image-" REL "\nVersion: 1.2-3\n"
				      "Architecture: amd64\nMaintainer: kbtf <kbtf@test>\n"
				      "Description: kbtf test kernel\n";
	char root[256], deb[256], work[256], cmd[1024], path[1024];
	struct kbtf_buf btf, img, file;
	struct kbtf_kernel_opts o = {0};
	struct kbtf_kernel *k;
	struct kbtf_deb d;
	size_t i;
	bool saw_image = false;

	zstd_bzimage(&btf, &img);
	snprintf(root, sizeof(root), "%s/debroot", tmpdir);
	write_file(root, "DEBIAN/control", control, strlen(control));
	write_file(root, "boot/vmlinuz-" REL, img.data, img.size);
	write_file(root, "boot/config-" REL, CONFIG_TEXT, strlen(CONFIG_TEXT));
	write_file(root, "usr/share/doc/readme", "x", 1);
	snprintf(deb, sizeof(deb), "%s/test.deb", tmpdir);
	snprintf(cmd, sizeof(cmd), "dpkg-deb --root-owner-group -Zxz -b %s %s >/dev/null", root,
		 deb);
	if (system(cmd) != 0)
		skip(); /* no dpkg-deb: not a Debian machine */

	assert_int_equal(kbtf_buf_from_file(deb, &file), 0);
	assert_true(kbtf_deb_detect(file.data, file.size));
	assert_int_equal(
	    kbtf_deb_read(file.data, file.size, kbtf_deb_select_kernel, NULL, 1u << 30, &d), 0);
	assert_string_equal(d.package, "linux-image-" REL);
	assert_string_equal(d.version, "1.2-3");
	assert_int_equal(d.nr_files, 2); /* the readme is not selected */
	for (i = 0; i < d.nr_files; i++) {
		if (d.files[i].role == KBTF_DEB_BOOT_IMAGE) {
			saw_image = true;
			assert_string_equal(d.files[i].path, "boot/vmlinuz-" REL);
			assert_int_equal(d.files[i].data.size, img.size);
			assert_memory_equal(d.files[i].data.data, img.data, img.size);
		}
	}
	assert_true(saw_image);
	kbtf_deb_release(&d);
	/* the memory budget holds: the image alone is larger than this */
	assert_int_equal(
	    kbtf_deb_read(file.data, file.size, kbtf_deb_select_kernel, NULL, img.size - 1, &d),
	    -EFBIG);
	assert_int_equal(kbtf_deb_read(file.data, file.size, kbtf_deb_select_kernel, NULL,
				       img.size + strlen(CONFIG_TEXT), &d),
			 0);
	kbtf_deb_release(&d);
	kbtf_buf_release(&file);

	/* as a kernel, unpacked into a work directory */
	snprintf(work, sizeof(work), "%s/work", tmpdir);
	o.work_dir = work;
	assert_int_equal(kbtf_kernel_open(deb, &o, &k), 0);
	assert_int_equal(k->format, KBTF_FMT_DEB);
	assert_string_equal(k->release, REL);
	assert_non_null(strstr(k->format_detail, "linux-image-" REL " 1.2-3"));
	snprintf(path, sizeof(path), "%s/boot/vmlinuz-" REL, work);
	assert_string_equal(k->image_path, path);
	check_vmlinux_kernel(k, &btf);
	kbtf_kernel_free(k);
	assert_true(exists(path)); /* the work dir is the caller's: kept */
	snprintf(path, sizeof(path), "%s/usr", work);
	assert_false(exists(path)); /* unselected members are not unpacked */

	/* into a private temp dir, removed with the kernel */
	setenv("TMPDIR", tmpdir, 1);
	assert_int_equal(kbtf_kernel_open(deb, NULL, &k), 0);
	snprintf(path, sizeof(path), "%s", k->image_path);
	assert_true(exists(path));
	kbtf_kernel_free(k);
	assert_false(exists(path));
	unsetenv("TMPDIR");

	/* done once image and config are in: usr/ (after boot/) is never reached */
	{
		struct asked a = {0};

		assert_int_equal(kbtf_deb_extract(deb, work, count_asked, &a, &d), 0);
		assert_int_equal(a.usr, 1);
		kbtf_deb_release(&d);
		a.usr = 0;
		assert_int_equal(
		    kbtf_deb_extract_until(deb, work, count_asked, kbtf_deb_done_kernel, &a, &d),
		    0);
		assert_int_equal(a.usr, 0);
		assert_int_equal(d.nr_files, 2);
		assert_string_equal(d.version, "1.2-3"); /* control came before */
		kbtf_deb_release(&d);
	}
	kbtf_buf_release(&img);
	kbtf_buf_release(&btf);
}

/* A .deb made by libarchive, so it can hold what dpkg-deb would refuse. */
struct evil_member {
	const char *path;
	const char *symlink; /* NULL: a regular file */
};

static size_t tar_gz(const struct evil_member *mem, size_t n, uint8_t *buf, size_t cap)
{
	struct archive *a = archive_write_new();
	struct archive_entry *e;
	size_t used = 0, i;

	archive_write_set_format_pax_restricted(a);
	archive_write_add_filter_gzip(a);
	assert_int_equal(archive_write_open_memory(a, buf, cap, &used), ARCHIVE_OK);
	for (i = 0; i < n; i++) {
		e = archive_entry_new();
		archive_entry_set_pathname(e, mem[i].path);
		archive_entry_set_perm(e, 0644);
		if (mem[i].symlink) {
			archive_entry_set_filetype(e, AE_IFLNK);
			archive_entry_set_symlink(e, mem[i].symlink);
			archive_entry_set_size(e, 0);
		} else {
			archive_entry_set_filetype(e, AE_IFREG);
			archive_entry_set_size(e, 5);
		}
		assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
		if (!mem[i].symlink)
			assert_int_equal(archive_write_data(a, "evil\n", 5), 5);
		archive_entry_free(e);
	}
	archive_write_close(a);
	archive_write_free(a);
	return used;
}

static void ar_member(struct archive *a, const char *name, const void *data, size_t size)
{
	struct archive_entry *e = archive_entry_new();

	archive_entry_set_pathname(e, name);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0644);
	archive_entry_set_size(e, (la_int64_t)size);
	assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
	assert_int_equal(archive_write_data(a, data, size), (la_ssize_t)size);
	archive_entry_free(e);
}

static void make_evil_deb(const char *path, const struct evil_member *mem, size_t n)
{
	static const struct evil_member ctl[] = {{"./control", NULL}};
	static uint8_t control[16384], data[65536];
	size_t clen = tar_gz(ctl, 1, control, sizeof(control));
	size_t dlen = tar_gz(mem, n, data, sizeof(data));
	struct archive *a = archive_write_new();

	archive_write_set_format_ar_svr4(a);
	assert_int_equal(archive_write_open_filename(a, path), ARCHIVE_OK);
	ar_member(a, "debian-binary", "2.0\n", 4);
	ar_member(a, "control.tar.gz", control, clen);
	ar_member(a, "data.tar.gz", data, dlen);
	archive_write_close(a);
	archive_write_free(a);
}

static void test_deb_escapes(void **state)
{
	static const struct evil_member climb[] = {{"./boot/vmlinuz-1", NULL},
						   {"./../../escaped-climb", NULL}};
	static const struct evil_member absolute[] = {{"/escaped-abs", NULL}};
	static const struct evil_member plain[] = {{"./boot/vmlinuz-1", NULL}};
	char deb[256], target[256], outside[256], path[1024];
	struct kbtf_deb d;
	int err;
	struct stat st;

	snprintf(outside, sizeof(outside), "%s/outside", tmpdir);
	mkdir(outside, 0755);
	struct evil_member link_then_file[] = {
	    {"./usr/src/linux-headers-1", outside},
	    {"./usr/src/linux-headers-1/Module.symvers", NULL},
	    {"./boot/config-1", "../../../../etc/passwd"},
	};

	/* ".." climbing out: refused, nothing written above the target */
	snprintf(deb, sizeof(deb), "%s/climb.deb", tmpdir);
	snprintf(target, sizeof(target), "%s/t1/a/b", tmpdir);
	make_evil_deb(deb, climb, 2);
	assert_int_equal(kbtf_deb_extract(deb, target, NULL, NULL, &d), -EINVAL);
	assert_non_null(strstr(kbtf_errstr(), ".."));
	snprintf(path, sizeof(path), "%s/t1/escaped-climb", tmpdir);
	assert_false(exists(path));
	snprintf(path, sizeof(path), "%s/t1/a/escaped-climb", tmpdir);
	assert_false(exists(path));

	/* an absolute path: refused */
	snprintf(deb, sizeof(deb), "%s/abs.deb", tmpdir);
	make_evil_deb(deb, absolute, 1);
	assert_int_equal(kbtf_deb_extract(deb, target, NULL, NULL, &d), -EINVAL);
	assert_false(exists("/escaped-abs"));

	/* symlinks are never created; a file under a "linked" dir lands inside */
	snprintf(deb, sizeof(deb), "%s/link.deb", tmpdir);
	snprintf(target, sizeof(target), "%s/t2", tmpdir);
	make_evil_deb(deb, link_then_file, 3);
	assert_int_equal(kbtf_deb_extract(deb, target, NULL, NULL, &d), 0);
	assert_int_equal(d.nr_files, 1);
	assert_int_equal(d.files[0].role, KBTF_DEB_SYMVERS);
	kbtf_deb_release(&d);
	snprintf(path, sizeof(path), "%s/usr/src/linux-headers-1", target);
	assert_int_equal(lstat(path, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	snprintf(path, sizeof(path), "%s/boot/config-1", target);
	assert_false(exists(path));
	snprintf(path, sizeof(path), "%s/Module.symvers", outside);
	assert_false(exists(path));

	/* a symlink planted in the target is not followed */
	snprintf(deb, sizeof(deb), "%s/plain.deb", tmpdir);
	snprintf(target, sizeof(target), "%s/t3", tmpdir);
	mkdir(target, 0755);
	snprintf(path, sizeof(path), "%s/boot", target);
	assert_int_equal(symlink(outside, path), 0);
	make_evil_deb(deb, plain, 1);
	err = kbtf_deb_extract(deb, target, NULL, NULL, &d);
	assert_true(err == -ELOOP || err == -ENOTDIR);
	assert_non_null(strstr(kbtf_errstr(), "refusing"));
	snprintf(path, sizeof(path), "%s/vmlinuz-1", outside);
	assert_false(exists(path));
}

static void test_deb_paths_and_roles(void **state)
{
	static const struct {
		const char *in, *out;
	} ok[] = {
	    {"./boot/vmlinuz-1", "boot/vmlinuz-1"},
	    {"boot//x", "boot/x"},
	    {"./a/./b/", "a/b"},
	    {"..a/b..", "..a/b.."},
	};
	static const char *const bad[] = {"/etc/passwd", "../x", "a/../../b", "a/..",
					  ".",		 "./",	 ""};
	static const struct {
		const char *path;
		enum kbtf_deb_role role;
	} roles[] = {
	    {"boot/vmlinuz-6.1.0-56-amd64", KBTF_DEB_BOOT_IMAGE},
	    {"usr/lib/modules/7.2.13+deb14-amd64/vmlinuz", KBTF_DEB_BOOT_IMAGE},
	    {"lib/modules/6.1.0-56-amd64/vmlinuz", KBTF_DEB_BOOT_IMAGE},
	    {"boot/config-6.1.0-56-amd64", KBTF_DEB_CONFIG},
	    {"usr/lib/modules/7.2.13+deb14-amd64/config", KBTF_DEB_CONFIG},
	    {"usr/src/linux-headers-6.12.113+deb12-amd64/Module.symvers", KBTF_DEB_SYMVERS},
	    {"usr/src/linux-headers-6.12.113+deb12-amd64/vmlinux", KBTF_DEB_VMLINUX},
	    {"usr/lib/debug/boot/vmlinux-6.1.0-56-amd64", KBTF_DEB_VMLINUX},
	    {"boot/System.map-6.1.0-56-amd64", KBTF_DEB_OTHER},
	    {"boot/vmlinuz-", KBTF_DEB_OTHER},
	    {"boot/x/vmlinuz-1", KBTF_DEB_OTHER},
	    {"usr/lib/modules/7.2/kernel/vmlinuz", KBTF_DEB_OTHER},
	    {"usr/src/linux-headers-6.12/include/vmlinux", KBTF_DEB_OTHER},
	};
	char out[64];
	size_t i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		assert_int_equal(kbtf_deb_clean_path(ok[i].in, out, sizeof(out)), 0);
		assert_string_equal(out, ok[i].out);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (kbtf_deb_clean_path(bad[i], out, sizeof(out)) == 0)
			fail_msg("\"%s\" accepted as \"%s\"", bad[i], out);
	assert_int_equal(kbtf_deb_clean_path("aaaaaaaaaaaa/bbbbbbbbbbbbbbb", out, 8),
			 -ENAMETOOLONG);
	for (i = 0; i < sizeof(roles) / sizeof(roles[0]); i++)
		if (kbtf_deb_kernel_role(roles[i].path) != roles[i].role)
			fail_msg("%s: role %d, want %d", roles[i].path,
				 kbtf_deb_kernel_role(roles[i].path), roles[i].role);
	assert_false(kbtf_deb_detect("!<arch>\nfoo", 12));
}

static int setup(void **state)
{
	if (!mkdtemp(tmpdir))
		return -1;
	return 0;
}

static int teardown(void **state)
{
	return kbtf_rm_rf(tmpdir) ? -1 : 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_raw_btf),
	    cmocka_unit_test(test_garbage_input),
	    cmocka_unit_test(test_elf_vmlinux),
	    cmocka_unit_test(test_bzimage_every_scheme),
	    cmocka_unit_test(test_bzimage_scanning),
	    cmocka_unit_test(test_arm64_image_and_zboot),
	    cmocka_unit_test(test_module_plain_and_signed),
	    cmocka_unit_test(test_module_big_endian_32),
	    cmocka_unit_test(test_module_with_base_and_as_kernel),
	    cmocka_unit_test(test_module_malformed_elf),
	    cmocka_unit_test(test_module_modinfo_and_versions),
	    cmocka_unit_test(test_stacked_layers),
	    cmocka_unit_test(test_unpacked_dirs),
	    cmocka_unit_test(test_deb_from_dpkg),
	    cmocka_unit_test(test_deb_escapes),
	    cmocka_unit_test(test_deb_paths_and_roles),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
