/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Where BTF comes from. Every input is recognised from its content, never
 * its file name: raw BTF, an ELF with .BTF (vmlinux, the BTF-only vmlinux
 * stub in Debian headers, a debug vmlinux, a .ko), a compressed boot image,
 * a compressed module, /sys/kernel/btf/<x>, a Debian kernel package (.deb),
 * an unpacked package directory, or a kernel release name.
 *
 * Two objects come out: a kernel (its BTF plus what it says about itself)
 * and a module (its ELF image, BTF sections, modinfo, symbols).
 */
#ifndef KBTF_SOURCE_H
#define KBTF_SOURCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kbtf/api.h"
#include "kbtf/btf.h"
#include "kbtf/buf.h"

/* What an input turned out to be. */
enum kbtf_format {
	KBTF_FMT_UNKNOWN = 0,
	KBTF_FMT_RAW_BTF,    /* a raw BTF blob (incl. /sys/kernel/btf/...) */
	KBTF_FMT_ELF,	     /* ELF executable/vmlinux with .BTF */
	KBTF_FMT_MODULE,     /* ELF relocatable (.ko) */
	KBTF_FMT_BOOT_IMAGE, /* bzImage / vmlinuz with a compressed payload */
	KBTF_FMT_DEB,	     /* Debian package */
	KBTF_FMT_DIR,	     /* an unpacked package or a kernel build dir */
	KBTF_FMT_RELEASE,    /* a kernel release name */
	KBTF_FMT_PROFILE,    /* a stored kernel profile (kbtf kernels add) */
	KBTF_FMT_PACKAGE,    /* RPM, Arch package, BTFHub archive, bundle, tarball */
};

KBTF_API const char *kbtf_format_str(enum kbtf_format f);

/* Compression schemes recognised by magic. */
enum kbtf_compression {
	KBTF_COMP_NONE = 0,
	KBTF_COMP_GZIP,
	KBTF_COMP_XZ,
	KBTF_COMP_ZSTD,
	KBTF_COMP_LZ4,	/* legacy frame (kernel images) and LZ4 frame */
	KBTF_COMP_LZMA, /* lzma-alone */
	KBTF_COMP_BZIP2,
};

KBTF_API const char *kbtf_compression_str(enum kbtf_compression c);
/* Recognise a compressed stream by its first bytes. */
KBTF_API enum kbtf_compression kbtf_compression_detect(const void *data, size_t size);
/* Decompress a whole stream into a heap buffer (bounded by @max_out bytes). */
KBTF_API int kbtf_decompress(enum kbtf_compression c, const void *data, size_t size, size_t max_out,
			     struct kbtf_buf *out);
/*
 * Decompress only the first @want bytes (fewer if the stream is shorter):
 * enough to recognise what is inside without paying for all of it.
 */
KBTF_API int kbtf_decompress_prefix(enum kbtf_compression c, const void *data, size_t size,
				    size_t want, struct kbtf_buf *out);
/* Compress (for writing a module back in its original scheme). */
KBTF_API int kbtf_compress(enum kbtf_compression c, const void *data, size_t size,
			   struct kbtf_buf *out);

/* ----------------------------------------------------------------- kernel */

struct kbtf_kernel {
	char *source; /* the string the user gave */
	enum kbtf_format format;
	char *format_detail; /* human words, e.g. "bzImage, zstd payload" */
	char *release;	     /* NULL when nothing revealed it */
	char *release_from;  /* where the release came from */
	char *arch;	     /* "x86_64", ... (ELF machine), NULL if unknown */
	enum kbtf_endian endian;

	struct kbtf_buf btf_raw; /* the vmlinux BTF bytes */
	struct kbtf_btf *btf;	 /* parsed on demand: kbtf_kernel_btf() */

	/* Split layers stacked on the vmlinux BTF, bottom first: see below. */
	struct kbtf_kernel_layer *layers;
	size_t nr_layers;

	char *config; /* kernel .config text, NULL if not found */
	size_t config_len;
	char *config_from; /* path or "IKCONFIG in image", ... */

	char *symvers_path; /* Module.symvers if found */
	/* no Module.symvers came with the kernel: symvers_path holds the
	 * exports read from the image's __ksymtab/__kcrctab (vmlinux's only;
	 * in-tree modules export the rest), this many */
	size_t image_exports;
	/* ... and this many more, the in-tree modules' own (read from their
	 * .ko files, kernel_modexports.c): then the list is complete, what
	 * the kernel build writes in Module.symvers */
	size_t module_exports;
	char *image_path;		   /* the boot image, if one was seen (boot-test) */
	enum kbtf_compression compression; /* of the boot image payload or the file */
	char *kabi_path;		   /* kABI stablelist (RHEL-like), if one was seen */
};

struct kbtf_kernel_opts {
	/* Directory a .deb may be unpacked into (NULL: a private temp dir). */
	const char *work_dir;
	/* Explicit Module.symvers. */
	const char *symvers;
	/*
	 * More packages of the same kernel (headers, modules, -devel,
	 * kernel-abi-stablelists), unpacked beside the source before it is
	 * read, so they make one kernel.
	 */
	const char *const *with;
	size_t nr_with;
	/*
	 * No Module.symvers with the kernel: read the exports of the in-tree
	 * modules the package or directory ships (lib/modules/REL/kernel),
	 * after vmlinux's from the image, so the export list is complete.
	 * Decompresses every module (6.12 amd64: 4,200, some 10 s): what
	 * "kbtf kernels add" pays once, not every opening.
	 */
	bool module_exports;
};

KBTF_API int kbtf_kernel_open(const char *source, const struct kbtf_kernel_opts *opts,
			      struct kbtf_kernel **out);
/*
 * Would kbtf_kernel_open() find @source, without reading it: a path that
 * opens for reading, or a bare name of a stored profile or an installed
 * kernel release. 0, or a negative errno with the reason recorded (the
 * caller names the source): for commands that refuse, before any work, an
 * input that is not there.
 */
int kbtf_kernel_source_check(const char *source);
/*
 * kbtf_kernel_open() of a file @source whose content the caller has read
 * into @b (kbtf_buf_from_file()), so a FIFO or pipe is read once; @b may be
 * moved from and is the caller's to release.
 */
int kbtf_kernel_open_read(const char *source, struct kbtf_buf *b,
			  const struct kbtf_kernel_opts *opts, struct kbtf_kernel **out);
/*
 * The same over memory, by content only (no neighbouring files, no .deb):
 * for tests and fuzzing. @data must outlive the kernel.
 */
KBTF_API int kbtf_kernel_open_buf(const void *data, size_t size, const char *name,
				  struct kbtf_kernel **out);
/*
 * Parse (once) and return the kernel's BTF; NULL with kbtf_errstr() set.
 * btf_raw keeps the bytes; a BTF archive is refused. The first call takes
 * no lock: threads that share a kernel call it once before they start.
 */
KBTF_API struct kbtf_btf *kbtf_kernel_btf(struct kbtf_kernel *k);

/*
 * Stacked layers: a kernel's BTF may be the vmlinux BTF plus split BTF
 * layers on top of it (global variables in a "vmlinux.vars"-style file),
 * each continuing the numbering of the one below. Module types resolve
 * against the whole stack, bottom layer first, as the kernel scans ids in
 * ascending order. Layers come from a profile (files btf.layer1, ...),
 * from kbtf_kernel_add_layer(), or from a .BTF archive whose first blob is
 * a complete BTF and every later blob a split on the one before it.
 */
/* Most split layers a kernel's BTF may stack on vmlinux. */
#define KBTF_KERNEL_MAX_LAYERS 16

struct kbtf_kernel_layer {
	char *from;	      /* file it was read from, or "archive member N" */
	struct kbtf_buf raw;  /* its bytes */
	struct kbtf_btf *btf; /* parsed on the layer below */
	bool in_archive;      /* part of btf_raw (not stored separately) */
};

/*
 * Stack the split BTF in @path (raw BTF, or the .BTF of an ELF file; either
 * may be compressed) on top of the kernel's current top layer. Refused when it is not a split
 * BTF or does not parse on that layer; the message names @path.
 */
KBTF_API int kbtf_kernel_add_layer(struct kbtf_kernel *k, const char *path);
/* The same for bytes in memory (copied); @from names them in messages. */
KBTF_API int kbtf_kernel_add_layer_buf(struct kbtf_kernel *k, const void *data, size_t size,
				       const char *from);
/*
 * The top of the stack: the BTF module types resolve against (logical ids
 * and name lookups through kbtf_btf_find_by_name_all cover every layer).
 * kbtf_kernel_btf() when there are no layers. NULL with kbtf_errstr() set.
 */
KBTF_API struct kbtf_btf *kbtf_kernel_btf_stack(struct kbtf_kernel *k);
/* Number of types of the whole stack, VOID not counted; 0 on error. */
KBTF_API uint32_t kbtf_kernel_stack_types(struct kbtf_kernel *k);
/* A 64-bit hash of every layer's bytes (cache keys). */
KBTF_API uint64_t kbtf_kernel_btf_hash(const struct kbtf_kernel *k);
/* Value of CONFIG_<name> ("y", "m", "124", ...) or NULL if unset/unknown. */
KBTF_API const char *kbtf_kernel_config(const struct kbtf_kernel *k, const char *name, char *buf,
					size_t len);
KBTF_API void kbtf_kernel_free(struct kbtf_kernel *k);

/* ----------------------------------------------------------------- module */

struct kbtf_modsym {
	char *name;
	uint32_t crc; /* from __versions; valid when has_crc */
	bool has_crc;
};

/* One .modinfo record, "key=value" cut at its first '='. */
struct kbtf_modinfo {
	const char *key;
	const char *value;
};

/* One modversions record: a symbol's CRC where the module was built. */
struct kbtf_modversion {
	const char *name;
	uint32_t crc;
};

struct kbtf_module {
	char *path;
	enum kbtf_compression compression; /* of the file on disk */
	struct kbtf_buf image;		   /* the ELF, decompressed, signature cut off */
	size_t sig_len;			   /* bytes of appended signature (0: unsigned) */
	struct kbtf_buf signature;	   /* the cut-off signature trailer, verbatim */
	char *arch;
	enum kbtf_endian endian;

	/* Section contents inside image (NULL/0 when absent). */
	const uint8_t *btf_data;
	size_t btf_size;
	const uint8_t *btf_base_data;
	size_t btf_base_size;
	const uint8_t *btf_ids_data;
	size_t btf_ids_size;
	bool has_dwarf;
	/* kbtf's build-time layout record (.kbtf.layout): 0 and its bytes,
	 * -ENOENT when there is none, -EINVAL when its section lies outside
	 * the file */
	int layout_err;
	const uint8_t *layout_data;
	size_t layout_size;
	/* the build-time access record (module_access.h): .kbtf.access, else
	 * the objects' .note.kbtf.access; errors as for the layout record */
	int access_err;
	const uint8_t *access_data;
	size_t access_size;
	bool access_raw; /* read from .note.kbtf.access: not merged yet */

	/* .modinfo: every key=value record in section order, repeated keys
	 * too; kbtf_module_modinfo() looks one up as the kernel does */
	struct kbtf_modinfo *modinfo;
	size_t nr_modinfo;
	/* the records asked for most (NULL when absent); without name= the
	 * name comes from struct module in .gnu.linkonce.this_module */
	char *name;
	char *vermagic;
	char *depends;

	/* __versions: every whole record in section order */
	bool has_versions; /* the section is there (the loader then checks CRCs) */
	struct kbtf_modversion *versions;
	size_t nr_versions;
	/* extended modversions (Linux 6.14+): __version_ext_crcs + _names */
	struct kbtf_modversion *ext_versions;
	size_t nr_ext_versions;

	/* the module's own exports (__ksymtab_strings) */
	const char **exports;
	size_t nr_exports;

	/* undefined symbols and their modversions CRCs */
	struct kbtf_modsym *undef;
	size_t nr_undef;
};

/*
 * sig_len above is the whole cut-off trailer: PKCS#7 blob + 12-byte
 * struct module_signature + the 28-byte magic (= signature.size).
 */
KBTF_API int kbtf_module_open(const char *path, struct kbtf_module **out);
/* The same over memory; @data must outlive the module unless it was compressed. */
KBTF_API int kbtf_module_open_buf(const void *data, size_t size, const char *name,
				  struct kbtf_module **out);
KBTF_API void kbtf_module_free(struct kbtf_module *m);

/*
 * The kernel a module is loaded into, as far as the loader's ELF checks
 * depend on it.
 */
struct kbtf_elf_target {
	const char *arch;	   /* uname -m; NULL: unknown, the machine is not checked */
	unsigned int major, minor; /* release; 0.0: the newest rules */
	size_t module_struct_size; /* sizeof(struct module) there; 0: not checked */
	/* only the file's structure (header, section table, sections inside
	 * the file, section names), not what makes it a module */
	bool file_only;
};

/*
 * The module loader's ELF validity checks (load_module(): elf_validity_check()
 * before 6.4, elf_validity_cache_copy() after) on @image, a module as the
 * kernel gets it (decompressed, signature cut off). 0 when the kernel
 * accepts the ELF, else -ENOEXEC with the line the kernel logs in @log.
 * @t may be NULL: the newest rules, the module's own word size and byte
 * order, no machine or struct module size check.
 */
KBTF_API int kbtf_module_elf_check(const void *image, size_t size, const struct kbtf_elf_target *t,
				   char *log, size_t logsz);

/*
 * The value of the first .modinfo record @key=..., as the kernel's
 * get_modinfo() finds it; NULL when there is none.
 */
KBTF_API const char *kbtf_module_modinfo(const struct kbtf_module *m, const char *key);
/*
 * Every value of @key in turn, as get_next_modinfo() walks them: start
 * with *@pos = 0; NULL after the last.
 */
KBTF_API const char *kbtf_module_modinfo_next(const struct kbtf_module *m, const char *key,
					      size_t *pos);
/*
 * The __versions record for symbol @name, the first when there are
 * several, as the kernel's check_version() takes it; NULL when none.
 */
KBTF_API const struct kbtf_modversion *kbtf_module_version(const struct kbtf_module *m,
							   const char *name);

#endif
