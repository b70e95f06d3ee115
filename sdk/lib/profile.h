/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Kernel profiles: what kbtf keeps of a target kernel so that a validation
 * never goes back to the package it came from. A profile is a directory
 * (docs/kernels.md has the format):
 *
 *   <store>/<name>/kbtf-profile     marker and facts, "key=value" lines
 *   <store>/<name>/btf              vmlinux BTF: an LZ4 frame, or raw BTF
 *   <store>/<name>/btf.layer<N>     split layers stacked on it, N = 1, 2...
 *                                   (raw; kbtf kernels add --layer)
 *   <store>/<name>/release          the release string, one line
 *   <store>/<name>/config           kernel .config (when one was found): zstd,
 *                                   or zstd against config.ref (a delta profile)
 *   <store>/<name>/Module.symvers   exports with CRCs (when found)
 *   <store>/<name>/image            the boot image (kbtf kernels add --keep-image)
 *   <store>/<name>/kabi_stablelist  the kABI stablelist, when one came with it
 *   <store>/<name>/index            the prepared index (profile_index.h)
 *   <store>/.index                  one line of facts per profile
 *   <store>/.objects/               each data file once per content, hard-linked
 *                                   into the profiles (profile_store.c)
 *
 * The store is ${XDG_CACHE_HOME:-$HOME/.cache}/kbtf/kernels. Profiles are
 * built in a temporary directory beside their final place and renamed in,
 * so a reader sees a whole profile or none. The index lets "kbtf kernels
 * list" and set resolution answer without opening any BTF.
 */
#ifndef KBTF_PROFILE_H
#define KBTF_PROFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kbtf/buf.h"
#include "kbtf/source.h"

/* File names inside a profile directory. */
#define KBTF_PROFILE_MARKER "kbtf-profile"
#define KBTF_PROFILE_BTF "btf"
#define KBTF_PROFILE_LAYER "btf.layer"		 /* + 1, 2, ... bottom first */
#define KBTF_PROFILE_BTF_REF "btf.ref"		 /* the BTF a delta btf is against */
#define KBTF_PROFILE_INDEX_REF "index.ref"	 /* the index a delta index is against */
#define KBTF_PROFILE_CONFIG_REF "config.ref"	 /* the config a delta config is against */
#define KBTF_PROFILE_INDEX_CRCREF "index.crcref" /* the index a delta index's CRCs are against */
#define KBTF_PROFILE_RELEASE "release"
#define KBTF_PROFILE_CONFIG "config"
#define KBTF_PROFILE_SYMVERS "Module.symvers"
#define KBTF_PROFILE_IMAGE "image"
#define KBTF_PROFILE_KABI "kabi_stablelist" /* RHEL-like: kernel-abi-stablelists */
/* Version of the marker and index formats this library writes. */
#define KBTF_PROFILE_FORMAT 1

/* The facts about one profile, as the marker and the index hold them. */
struct kbtf_profile_info {
	char name[256];		  /* directory name in the store */
	char release[256];	  /* kernel release, "6.12.113+deb12-rt-amd64" */
	char version[64];	  /* upstream version from the release: "6.12.113" */
	char flavour[64];	  /* "rt-amd64"; "" when the release has none */
	char suite[32];		  /* Debian suite it was fetched from; "" unknown */
	char arch[32];		  /* "x86_64"; "" unknown */
	char package_version[96]; /* Debian package version; "" unknown */
	char origin[512];	  /* what it was made from (path, debian/SUITE:PKG) */
	char btf_encoding[8];	  /* "raw" or "lz4": how the btf file is stored */
	uint64_t btf_size;	  /* bytes of the raw BTF, layers included */
	uint64_t btf_stored;	  /* bytes of the btf files */
	uint32_t btf_types;	  /* types of the whole stack, VOID not counted */
	uint32_t btf_layers;	  /* split layers stacked on the vmlinux BTF */
	bool has_config;
	bool has_symvers;
	/* Module.symvers is vmlinux's export table read from the boot image
	 * (no Module.symvers came with the kernel): that many exports; 0 when
	 * it is a real Module.symvers. In-tree modules' exports are not in it,
	 * unless symvers_modules says so. */
	uint32_t symvers_image;
	/* ... followed by this many in-tree modules' exports (read from
	 * their .ko files): then the file is complete, derived */
	uint32_t symvers_modules;
	bool has_image;
	int64_t added; /* seconds since the epoch */
};

/* ------------------------------------------------------------ one profile */

/* True when @dir holds a profile marker. */
bool kbtf_profile_is_dir(const char *dir);

/*
 * The profile's raw BTF: mapped as is when stored raw, decompressed into
 * the heap when stored as an LZ4 frame, rebuilt into the heap from
 * btf.ref when stored as a delta. For kernel readers (source.h).
 */
int kbtf_profile_load_btf(const char *dir, struct kbtf_buf *out);
/*
 * A text file of a profile (Module.symvers, config), decompressed when it
 * is stored compressed, into @out (at most KBTF_INPUT_MAX bytes).
 */
int kbtf_profile_read_text(const char *path, struct kbtf_buf *out);

/*
 * The profile's BTF of @nr types opened with its index's type offsets
 * @offs (kbtf_btf_parse_prepared(), btf_prepared.h): a raw or LZ4 BTF is
 * loaded into @raw, which must outlive *@out; a delta is opened lazily,
 * each record rebuilt when first read (@raw stays empty; @offs may be
 * NULL: the index of a delta profile has none). -ENOTSUP: read it the
 * full way.
 */
struct kbtf_btf;
int kbtf_profile_prepared_btf(const char *dir, const uint32_t *offs, uint32_t nr, const char *name,
			      struct kbtf_buf *raw, struct kbtf_btf **out);

/* Is the profile's btf in @dir stored as a delta? */
bool kbtf_profile_btf_is_delta(const char *dir);

/*
 * The kernel config of the profile in @dir as text (NUL-terminated, its
 * length in @len): the config file decompressed, or rebuilt from
 * config.ref where it is a delta against it. -ENOENT: the profile has
 * none. A delta that does not rebuild is an error naming the file.
 */
int kbtf_profile_read_config(const char *dir, char **text, size_t *len);

/* Do @size bytes at @data start like a profile's config delta? */
bool kbtf_profile_config_is_delta(const void *data, size_t size);

/* What kbtf_profile_check() read. */
struct kbtf_profile_check {
	char encoding[16]; /* how the BTF is stored: "raw", "lz4", "delta" */
	bool has_index;	   /* false: an older profile, read the full way */
	uint32_t types;	   /* in the BTF (layers included), VOID not counted */
	uint32_t names;	   /* looked up in the index */
	uint32_t syms;	   /* lines of the index's symbol table */
};

/*
 * Read the profile in @dir whole and hold its index against it (the
 * parts validation checks only where a lookup reads them: the whole
 * BTF, config, Module.symvers, every name, offset and symbol of the
 * index). 0 when all of it reads and agrees; else a negative errno,
 * kbtf_errstr() naming the file and the first thing wrong.
 */
int kbtf_profile_check(const char *dir, struct kbtf_profile_check *out);
/*
 * The index part of it: @ix held against kernel @k read whole (@name in
 * messages), @out's types, names and syms set. For tests and fuzzing.
 */
struct kbtf_pindex;
int kbtf_profile_check_index(const char *name, const struct kbtf_pindex *ix, struct kbtf_kernel *k,
			     struct kbtf_profile_check *out);

/* Read the marker of the profile in @dir. */
int kbtf_profile_read_info(const char *dir, struct kbtf_profile_info *out);

/*
 * Split a kernel release into the upstream version and the flavour:
 * "6.12.113+deb12-rt-amd64" -> "6.12.113", "rt-amd64";
 * "6.1.0-56-cloud-amd64" -> "6.1.0", "cloud-amd64". Both "" when the
 * release does not start with a version number.
 */
void kbtf_release_split(const char *release, char *version, size_t vlen, char *flavour,
			size_t flen);

/* 0 when @name may name a profile, else -EINVAL with the reason recorded. */
int kbtf_profile_name_check(const char *name);

/* ------------------------------------------------------------- the store */

struct kbtf_store;

/* ${XDG_CACHE_HOME:-$HOME/.cache}/kbtf into @buf. */
int kbtf_cache_dir(char *buf, size_t len);

/*
 * Open the store at @root (NULL: the default under kbtf_cache_dir). The
 * directory is created on the first write, not here.
 */
int kbtf_store_open(const char *root, struct kbtf_store **out);
void kbtf_store_free(struct kbtf_store *s);
const char *kbtf_store_root(const struct kbtf_store *s);

/*
 * Every stored profile, sorted by version (strverscmp of the names). Read
 * from the index; rebuilt from the markers when the index is missing or
 * disagrees with the directories present. The array and its entries stay
 * valid until the next call that changes or reloads the store.
 */
int kbtf_store_list(struct kbtf_store *s, const struct kbtf_profile_info *const **list, size_t *n);

/* The profile called @name, or NULL (after kbtf_store_list or a reload). */
const struct kbtf_profile_info *kbtf_store_find(struct kbtf_store *s, const char *name);

/* <root>/<name> into @buf. */
int kbtf_store_profile_dir(const struct kbtf_store *s, const char *name, char *buf, size_t len);

struct kbtf_profile_add_opts {
	const char *name;	     /* NULL: the kernel's release */
	const char *suite;	     /* Debian suite, for sets and listings */
	const char *origin;	     /* NULL: the kernel's source string */
	const char *package_version; /* Debian package version */
	const char *symvers;	     /* Module.symvers overriding the kernel's */
	const char *config;	     /* .config file overriding the kernel's */
	bool keep_image;	     /* keep the boot image when there is one */
	bool replace;		     /* replace a profile of the same name */
	bool compress;		     /* store the BTF as an LZ4 frame */
	bool delta;		     /* store the BTF as a delta when one is small */
	/*
	 * With delta: before_delta is called once the profile is written,
	 * just before its reference is chosen; after_delta once its BTF is
	 * stored as a delta (so it is no other kernel's reference), before
	 * its index is written and it is published. A caller storing several
	 * kernels at once waits in before_delta for those it stores before
	 * this one, until they are published or known to be deltas, so the
	 * references are those of storing them one by one (profile_fetch.c).
	 */
	void (*before_delta)(void *ctx);
	void (*after_delta)(void *ctx);
	void *ctx;
};

/*
 * Store kernel @k as a profile. Parses its BTF (type count, and so as not
 * to store garbage). -EEXIST when the name is taken and !replace. @info
 * (may be NULL) receives the stored facts. Safe to call from several
 * threads on one store, and from several processes on one directory.
 */
int kbtf_store_add(struct kbtf_store *s, struct kbtf_kernel *k,
		   const struct kbtf_profile_add_opts *opts, struct kbtf_profile_info *info);

/* Remove the profile called @name; -ENOENT when there is none. */
int kbtf_store_remove(struct kbtf_store *s, const char *name);
/*
 * Remove the @n profiles @names under one lock, writing the store's list
 * and collecting its objects once; @done (may be NULL) is told each
 * name's result as it is known (0, or a negative errno with
 * kbtf_errstr() saying why). Returns the first error: a name's, or the
 * store's (then not every name may have been told).
 */
int kbtf_store_remove_many(struct kbtf_store *s, const char *const *names, size_t n,
			   void (*done)(const char *name, int err, void *ctx), void *ctx);

/*
 * Is the BTF of the profile called @name another profile's delta
 * reference (the object its btf.ref links)? Such a profile must stay raw.
 */
bool kbtf_store_is_reference(struct kbtf_store *s, const char *name);

/* --------------------------------------------------------------- sets */

/*
 * Resolve a kernel set into stored profiles, in the order given (each
 * glob's matches sorted by version, duplicates dropped). @set is a comma
 * separated list of items:
 *   all                      every stored profile
 *   NAME or GLOB             profile names (fnmatch): "6.12.*-rt-amd64"
 *   debian[/SUITE]:PATTERN   what "kbtf kernels fetch" stores for PATTERN
 *                            (a package or release glob; suite bookworm
 *                            by default)
 *   @FILE                    one item per line; '#' starts a comment;
 *                            "@other" lines are read relative to FILE
 * An item that matches nothing fails the whole set: -ENOENT, naming every
 * such item. *@out is a malloc'd array (free() it); its entries belong to
 * the store.
 */
int kbtf_store_resolve(struct kbtf_store *s, const char *set, const struct kbtf_profile_info ***out,
		       size_t *n);

/*
 * Split "debian[/SUITE]:PATTERN" into the suite (bookworm when not given)
 * and a release glob: a package prefix "linux-image-", "linux-binary-" or
 * "linux-headers-" is dropped, so "debian:linux-image-6.1.0-*-amd64" gives
 * "6.1.0-*-amd64". -EINVAL when @spec has another shape.
 */
int kbtf_debian_spec_parse(const char *spec, char *suite, size_t slen, char *rel, size_t rlen);

/*
 * The same on the default store, as profile directory paths: what
 * "kbtf validate --kernels SET" opens with kbtf_kernel_open().
 * Free with kbtf_profile_paths_free().
 */
int kbtf_profile_resolve_set(const char *set, char ***paths, size_t *n);
void kbtf_profile_paths_free(char **paths, size_t n);

#endif
