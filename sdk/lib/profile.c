// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * One kernel profile on disk: writing a kernel's BTF, release, config,
 * Module.symvers and boot image into a directory with its marker, and
 * reading the marker and the BTF back. The store (profile_store.c) decides
 * where profiles live; docs/kernels.md describes the format.
 *
 * The BTF is kept raw by default, so a validation maps it and parses it in
 * place: measured on a 5.5 MB vmlinux BTF, mapping and touching every page
 * costs ~1.7 ms, parsing ~4 ms, while any compressed form must fill a fresh
 * heap buffer (LZ4: ~1.2 ms to decompress, but 20-40 ms of page faults on
 * these VMs; zstd: ~5 ms to decompress alone). An LZ4 frame (2.5x smaller)
 * is written on request, and read back transparently.
 *
 * Module.symvers and config are stored zstd-compressed (1.9 MB -> 0.34 MB
 * and 280 KB -> 60 KB for a 6.12 kernel): a validation reads neither (the
 * index holds the symbol table, rebuilding every line byte for byte, and
 * the config facts the judges ask), and the kernel source reader
 * decompresses both when a profile is opened the full way.
 */
#include <ctype.h>
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <zstd.h>

#include "kbtf/btf.h"
#include "kbtf/err.h"
#include "profile.h"
#include "kbtf/source.h"
#include "btf_delta.h"
#include "kernel_priv.h"
#include "profile_fields.h"

/* No vmlinux BTF comes near this; a bigger frame header is corrupt. */
#define PROFILE_BTF_MAX ((uint64_t)1 << 30)
#define LZ4_FRAME_MAGIC 0x184d2204u

/* ---------------------------------------------------------------- fields */

enum pfield_kind { PF_STR, PF_U64, PF_U32, PF_BOOL, PF_I64 };

struct pfield {
	const char *key;
	enum pfield_kind kind;
	size_t off;
	size_t size;
};

#define PF(k, kind, member)                                                                        \
	{                                                                                          \
		k, kind, offsetof(struct kbtf_profile_info, member),                               \
		    sizeof(((struct kbtf_profile_info *)0)->member)                                \
	}

/* Order is the index's column order: append only. */
static const struct pfield pfields[] = {
    PF("name", PF_STR, name),
    PF("release", PF_STR, release),
    PF("version", PF_STR, version),
    PF("flavour", PF_STR, flavour),
    PF("suite", PF_STR, suite),
    PF("arch", PF_STR, arch),
    PF("package-version", PF_STR, package_version),
    PF("btf-encoding", PF_STR, btf_encoding),
    PF("btf-size", PF_U64, btf_size),
    PF("btf-stored", PF_U64, btf_stored),
    PF("btf-types", PF_U32, btf_types),
    PF("config", PF_BOOL, has_config),
    PF("symvers", PF_BOOL, has_symvers),
    PF("image", PF_BOOL, has_image),
    PF("added", PF_I64, added),
    PF("origin", PF_STR, origin),
    PF("btf-layers", PF_U32, btf_layers),
    PF("symvers-image", PF_U32, symvers_image),
    PF("symvers-modules", PF_U32, symvers_modules),
};

#define NR_PFIELDS (sizeof(pfields) / sizeof(pfields[0]))

size_t kbtf_pinfo_nfields(void)
{
	return NR_PFIELDS;
}

const char *kbtf_pinfo_key(size_t i)
{
	return i < NR_PFIELDS ? pfields[i].key : NULL;
}

void kbtf_pinfo_get(const struct kbtf_profile_info *info, size_t i, char *buf, size_t len)
{
	const char *p = (const char *)info + pfields[i].off;

	switch (pfields[i].kind) {
	case PF_STR:
		snprintf(buf, len, "%s", p);
		break;
	case PF_U64:
		snprintf(buf, len, "%" PRIu64, *(const uint64_t *)p);
		break;
	case PF_U32:
		snprintf(buf, len, "%" PRIu32, *(const uint32_t *)p);
		break;
	case PF_BOOL:
		snprintf(buf, len, "%s", *(const bool *)p ? "yes" : "no");
		break;
	case PF_I64:
		snprintf(buf, len, "%" PRId64, *(const int64_t *)p);
		break;
	}
}

/* Copy @val into a string field; tabs and line ends would break the files. */
static void set_str(char *dst, size_t size, const char *val)
{
	size_t i;

	for (i = 0; val[i] && i + 1 < size; i++)
		dst[i] = (val[i] == '\t' || val[i] == '\n' || val[i] == '\r') ? ' ' : val[i];
	dst[i] = '\0';
}

static int parse_u64(const char *val, uint64_t *out)
{
	char *end;

	if (!isdigit((unsigned char)*val))
		return -EINVAL;
	errno = 0;
	*out = strtoull(val, &end, 10);
	return errno || *end ? -EINVAL : 0;
}

int kbtf_pinfo_set(struct kbtf_profile_info *info, size_t i, const char *val)
{
	char *p = (char *)info + pfields[i].off;
	uint64_t u;
	char *end;

	switch (pfields[i].kind) {
	case PF_STR:
		set_str(p, pfields[i].size, val);
		return 0;
	case PF_U64:
		return parse_u64(val, (uint64_t *)p);
	case PF_U32:
		if (parse_u64(val, &u) || u > UINT32_MAX)
			return -EINVAL;
		*(uint32_t *)p = (uint32_t)u;
		return 0;
	case PF_BOOL:
		*(bool *)p = !strcmp(val, "yes");
		return strcmp(val, "yes") && strcmp(val, "no") ? -EINVAL : 0;
	case PF_I64:
		errno = 0;
		*(int64_t *)p = strtoll(val, &end, 10);
		return errno || end == val || *end ? -EINVAL : 0;
	}
	return -EINVAL;
}

int kbtf_pinfo_set_key(struct kbtf_profile_info *info, const char *key, const char *val)
{
	size_t i;

	for (i = 0; i < NR_PFIELDS; i++) {
		if (!strcmp(pfields[i].key, key))
			return kbtf_pinfo_set(info, i, val);
	}
	return -ENOENT;
}

/* --------------------------------------------------------------- names */

void kbtf_release_split(const char *release, char *version, size_t vlen, char *flavour, size_t flen)
{
	const char *p = release, *tok;
	size_t n = 0;

	version[0] = flavour[0] = '\0';
	if (!isdigit((unsigned char)*p))
		return;
	while (isdigit((unsigned char)p[n]) || p[n] == '.')
		n++;
	while (n && p[n - 1] == '.')
		n--;
	snprintf(version, vlen, "%.*s", (int)n, p);
	p += n;
	/* a local version glued on ("+deb12", ".1") ends at the first '-' */
	p += strcspn(p, "-");
	/* then ABI numbers ("-56"), then the flavour ("-rt-amd64") */
	while (*p == '-') {
		tok = p + 1;
		if (!isdigit((unsigned char)*tok))
			break;
		p = tok + strcspn(tok, "-");
	}
	if (*p == '-')
		snprintf(flavour, flen, "%s", p + 1);
}

int kbtf_profile_name_check(const char *name)
{
	const char *p;

	if (!name || !*name)
		return kbtf_err(-EINVAL, "empty profile name");
	if (strlen(name) >= sizeof(((struct kbtf_profile_info *)0)->name))
		return kbtf_err(-EINVAL, "profile name too long: %.40s...", name);
	if (name[0] == '.' || name[0] == '@' || !strcmp(name, "all"))
		return kbtf_err(-EINVAL, "'%s' cannot name a profile (reserved)", name);
	for (p = name; *p; p++) {
		if ((unsigned char)*p <= ' ' || *p == 0x7f || strchr("/*?[],:\\", *p))
			return kbtf_err(-EINVAL,
					"'%s' cannot name a profile: it holds '%c' "
					"(no blanks, '/', ',', ':', '\\' or glob characters)",
					name, isprint((unsigned char)*p) ? *p : '?');
	}
	return 0;
}

/* ---------------------------------------------------------- file helpers */

static int path_join(char *buf, size_t len, const char *dir, const char *name)
{
	if (snprintf(buf, len, "%s/%s", dir, name) >= (int)len)
		return kbtf_err(-ENAMETOOLONG, "%s/%s: path too long", dir, name);
	return 0;
}

/* Create @dir/@name (must not exist) holding @data, synced. */
static int write_new(const char *dir, const char *name, const void *data, size_t size)
{
	const uint8_t *p = data;
	char path[PATH_MAX];
	ssize_t w;
	int fd, err;

	err = path_join(path, sizeof(path), dir, name);
	if (err)
		return err;
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0)
		return kbtf_err(-errno, "%s: cannot create: %s", path, strerror(errno));
	err = 0;
	while (size) {
		w = write(fd, p, size);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			err = -errno;
			break;
		}
		p += w;
		size -= (size_t)w;
	}
	if (!err && fsync(fd) < 0)
		err = -errno;
	if (close(fd) < 0 && !err)
		err = -errno;
	if (err)
		return kbtf_err(err, "%s: cannot write: %s", path, strerror(-err));
	return 0;
}

/* @size bytes at @data as @name in @dir, zstd-compressed unless already compressed or empty. */
static int write_zstd(const char *dir, const char *name, const void *data, size_t size)
{
	size_t bound, n;
	void *out;
	int err;

	if (!size || kbtf_compression_detect(data, size) != KBTF_COMP_NONE)
		return write_new(dir, name, data, size);
	bound = ZSTD_compressBound(size);
	out = malloc(bound);
	if (!out)
		return kbtf_err_nomem();
	n = ZSTD_compress(out, bound, data, size, 9);
	if (ZSTD_isError(n))
		err = kbtf_err(-EIO, "%s/%s: cannot compress: %s", dir, name, ZSTD_getErrorName(n));
	else
		err = write_new(dir, name, out, n);
	free(out);
	return err;
}

static int copy_file_zstd(const char *src, const char *dir, const char *name)
{
	struct kbtf_buf b;
	int err;

	err = kbtf_profile_read_text(src, &b);
	if (err)
		return err;
	err = write_zstd(dir, name, b.data, b.size);
	kbtf_buf_release(&b);
	return err;
}

static int copy_file(const char *src, const char *dir, const char *name)
{
	struct kbtf_buf b;
	int err;

	err = kbtf_buf_from_file(src, &b);
	if (err)
		return kbtf_err_prefix(err, "%s", src);
	err = write_new(dir, name, b.data, b.size);
	kbtf_buf_release(&b);
	return err;
}

bool kbtf_profile_is_dir(const char *dir)
{
	char path[PATH_MAX];
	struct stat st;

	if (snprintf(path, sizeof(path), "%s/%s", dir, KBTF_PROFILE_MARKER) >= (int)sizeof(path))
		return false;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* ------------------------------------------------------------------ BTF */

int kbtf_profile_load_btf(const char *dir, struct kbtf_buf *out)
{
	char path[PATH_MAX];
	struct kbtf_buf file;
	uint32_t magic;
	int err;

	memset(out, 0, sizeof(*out));
	err = path_join(path, sizeof(path), dir, KBTF_PROFILE_BTF);
	if (err)
		return err;
	err = kbtf_buf_from_file(path, &file);
	if (err)
		return kbtf_err_prefix(err, "%s", path);
	if (file.size >= 4) {
		memcpy(&magic, file.data, 4);
		if (kbtf_btf_delta_has_magic(file.data, file.size)) {
			err = kbtf_profile_btf_from_delta(dir, &file, out);
			kbtf_buf_release(&file);
			return err;
		}
		if (le32toh(magic) == LZ4_FRAME_MAGIC) {
			err = kbtf_decompress(KBTF_COMP_LZ4, file.data, file.size, PROFILE_BTF_MAX,
					      out);
			kbtf_buf_release(&file);
			return err ? kbtf_err_prefix(err, "%s", path) : 0;
		}
	}
	kbtf_buf_move(out, &file);
	return 0;
}

/* -------------------------------------------------------------- marker */

int kbtf_profile_read_info(const char *dir, struct kbtf_profile_info *out)
{
	char path[PATH_MAX], *line, *next, *eq;
	struct kbtf_buf b;
	int err;

	memset(out, 0, sizeof(*out));
	err = path_join(path, sizeof(path), dir, KBTF_PROFILE_MARKER);
	if (err)
		return err;
	err = kbtf_buf_from_file(path, &b);
	if (err)
		return kbtf_err_prefix(err, "%s", path);
	/* a private NUL-terminated copy to cut into lines */
	line = malloc(b.size + 1);
	if (!line) {
		kbtf_buf_release(&b);
		return kbtf_err_nomem();
	}
	memcpy(line, b.data, b.size);
	line[b.size] = '\0';
	kbtf_buf_release(&b);
	b.data = (uint8_t *)line;
	if (strncmp(line, KBTF_PROFILE_MARKER " ", sizeof(KBTF_PROFILE_MARKER))) {
		err = kbtf_err(-EINVAL, "%s: not a kbtf profile marker", path);
		goto out;
	}
	for (; line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		eq = strchr(line, '=');
		if (!eq)
			continue;
		*eq = '\0';
		/* unknown keys come from newer versions: skip them */
		if (kbtf_pinfo_set_key(out, line, eq + 1) == -EINVAL) {
			err = kbtf_err(-EINVAL, "%s: bad value for %s: '%s'", path, line, eq + 1);
			goto out;
		}
	}
	if (!out->name[0]) {
		err = kbtf_err(-EINVAL, "%s: marker names no profile", path);
		goto out;
	}
out:
	free(b.data);
	return err;
}

static int write_marker(const char *dir, const struct kbtf_profile_info *info)
{
	return kbtf_profile_write_marker(dir, info, false);
}

int kbtf_profile_write_marker(const char *dir, const struct kbtf_profile_info *info, bool replace)
{
	char *text = NULL, val[1024];
	size_t len = 0, i;
	FILE *f;
	int err;

	f = open_memstream(&text, &len);
	if (!f)
		return kbtf_err_nomem();
	fprintf(f, "%s %d\n", KBTF_PROFILE_MARKER, KBTF_PROFILE_FORMAT);
	for (i = 0; i < NR_PFIELDS; i++) {
		kbtf_pinfo_get(info, i, val, sizeof(val));
		fprintf(f, "%s=%s\n", pfields[i].key, val);
	}
	if (fclose(f)) {
		free(text);
		return kbtf_err_nomem();
	}
	if (replace) {
		char path[PATH_MAX];

		err = path_join(path, sizeof(path), dir, KBTF_PROFILE_MARKER);
		if (!err)
			err = kbtf_write_file_atomic(path, text, len, 0644);
	} else {
		err = write_new(dir, KBTF_PROFILE_MARKER, text, len);
	}
	free(text);
	return err;
}

/* --------------------------------------------------------------- writer */

/* A Module.symvers line: "0x<crc>\t<symbol>\t<module>\t<export>[\t<ns>]". */
int kbtf_profile_read_text(const char *path, struct kbtf_buf *out)
{
	enum kbtf_compression c;
	struct kbtf_buf b;
	int err;

	err = kbtf_buf_from_file(path, &b);
	if (err)
		return kbtf_err_prefix(err, "%s", path);
	c = kbtf_compression_detect(b.data, b.size);
	if (c == KBTF_COMP_NONE) {
		kbtf_buf_move(out, &b);
		return 0;
	}
	err = kbtf_decompress(c, b.data, b.size, KBTF_INPUT_MAX, out);
	kbtf_buf_release(&b);
	return err ? kbtf_err_prefix(err, "%s", path) : 0;
}

static int check_symvers(const char *path)
{
	struct kbtf_buf b;
	const char *p;
	int err;

	err = kbtf_profile_read_text(path, &b);
	if (err)
		return err;
	p = (const char *)b.data;
	if (b.size && (b.size < 4 || strncmp(p, "0x", 2) || !memchr(p, '\t', b.size)))
		err = kbtf_err(-EINVAL, "%s: not a Module.symvers file", path);
	kbtf_buf_release(&b);
	return err;
}

/* The types of the whole stack; a profile holds a kernel's BTF, not a module's. */
static int count_types(struct kbtf_kernel *k, struct kbtf_profile_info *info)
{
	struct kbtf_btf *btf = kbtf_kernel_btf(k);

	if (!btf)
		return kbtf_err_prefix(-EINVAL, "%s", k->source);
	if (kbtf_btf_base(btf))
		return kbtf_err(-EINVAL, "%s: split BTF, not a kernel's vmlinux BTF", k->source);
	btf = kbtf_kernel_btf_stack(k);
	if (!btf)
		return kbtf_err_prefix(-EINVAL, "%s", k->source);
	info->btf_types = kbtf_btf_type_cnt(btf) - 1;
	info->btf_layers = (uint32_t)k->nr_layers;
	return 0;
}

/* Layers added from files go beside the BTF, raw: btf.layer1, btf.layer2... */
static int write_layers(const char *dir, struct kbtf_kernel *k, struct kbtf_profile_info *info)
{
	char name[32];
	size_t i, n = 0;
	int err;

	for (i = 0; i < k->nr_layers; i++) {
		const struct kbtf_kernel_layer *l = &k->layers[i];

		if (l->in_archive) /* stored inside the btf file already */
			continue;
		snprintf(name, sizeof(name), KBTF_PROFILE_LAYER "%zu", ++n);
		err = write_new(dir, name, l->raw.data, l->raw.size);
		if (err)
			return err;
		info->btf_size += l->raw.size;
		info->btf_stored += l->raw.size;
	}
	return 0;
}

static int write_btf(const char *dir, struct kbtf_kernel *k, bool raw,
		     struct kbtf_profile_info *info)
{
	struct kbtf_buf packed = {0};
	int err;

	if (!k->btf_raw.size)
		return kbtf_err(-ENODATA, "%s: no BTF found", k->source);
	err = count_types(k, info);
	if (err)
		return err;
	info->btf_size = k->btf_raw.size;
	if (raw) {
		snprintf(info->btf_encoding, sizeof(info->btf_encoding), "raw");
		info->btf_stored = k->btf_raw.size;
		err = write_new(dir, KBTF_PROFILE_BTF, k->btf_raw.data, k->btf_raw.size);
		return err ? err : write_layers(dir, k, info);
	}
	err = kbtf_compress(KBTF_COMP_LZ4, k->btf_raw.data, k->btf_raw.size, &packed);
	if (err)
		return err;
	snprintf(info->btf_encoding, sizeof(info->btf_encoding), "lz4");
	info->btf_stored = packed.size;
	err = write_new(dir, KBTF_PROFILE_BTF, packed.data, packed.size);
	kbtf_buf_release(&packed);
	return err ? err : write_layers(dir, k, info);
}

static int write_config(const char *dir, struct kbtf_kernel *k, const char *file,
			struct kbtf_profile_info *info)
{
	char *text;
	size_t len;
	int err = 0;

	if (file) {
		/* read as a config is read, so that what cannot be one is refused here */
		err = kbtf_kconfig_read_file(file, &text, &len);
		if (!err) {
			err = write_zstd(dir, KBTF_PROFILE_CONFIG, text, len);
			free(text);
		}
	} else if (k->config && k->config_len)
		err = write_zstd(dir, KBTF_PROFILE_CONFIG, k->config, k->config_len);
	else
		return 0;
	info->has_config = !err;
	return err;
}

static int write_symvers(const char *dir, const char *symvers, struct kbtf_profile_info *info)
{
	int err;

	if (!symvers)
		return 0;
	err = check_symvers(symvers);
	if (!err)
		err = copy_file_zstd(symvers, dir, KBTF_PROFILE_SYMVERS);
	info->has_symvers = !err;
	return err;
}

static void fill_identity(struct kbtf_kernel *k, const char *name,
			  const struct kbtf_profile_add_opts *o, struct kbtf_profile_info *info)
{
	set_str(info->name, sizeof(info->name), name);
	set_str(info->release, sizeof(info->release), k->release ? k->release : name);
	kbtf_release_split(info->release, info->version, sizeof(info->version), info->flavour,
			   sizeof(info->flavour));
	set_str(info->suite, sizeof(info->suite), o->suite ? o->suite : "");
	set_str(info->arch, sizeof(info->arch), k->arch ? k->arch : "");
	set_str(info->package_version, sizeof(info->package_version),
		o->package_version ? o->package_version : "");
	set_str(info->origin, sizeof(info->origin),
		o->origin ? o->origin : (k->source ? k->source : ""));
	info->added = (int64_t)time(NULL);
}

int kbtf_profile_write(const char *dir, struct kbtf_kernel *k,
		       const struct kbtf_profile_add_opts *opts, struct kbtf_profile_info *info)
{
	static const struct kbtf_profile_add_opts none;
	const struct kbtf_profile_add_opts *o = opts ? opts : &none;
	const char *name = o->name ? o->name : k->release;
	char line[300];
	int err;

	memset(info, 0, sizeof(*info));
	if (!name)
		return kbtf_err(-EINVAL, "%s: no kernel release found; give the profile a name",
				k->source);
	err = kbtf_profile_name_check(name);
	if (err)
		return err;
	fill_identity(k, name, o, info);
	err = write_btf(dir, k, !o->compress, info);
	if (err)
		return err;
	snprintf(line, sizeof(line), "%s\n", info->release);
	err = write_new(dir, KBTF_PROFILE_RELEASE, line, strlen(line));
	if (!err)
		err = write_config(dir, k, o->config, info);
	if (!err)
		err = write_symvers(dir, o->symvers ? o->symvers : k->symvers_path, info);
	/* the image's own export table standing in for Module.symvers: say so,
	 * or the profile would read as a kernel exporting nothing else */
	if (!err && info->has_symvers && !o->symvers && k->image_exports)
		info->symvers_image = (uint32_t)k->image_exports;
	if (!err && info->has_symvers && !o->symvers && k->image_exports)
		info->symvers_modules = (uint32_t)k->module_exports;
	if (!err && k->kabi_path)
		err = copy_file(k->kabi_path, dir, KBTF_PROFILE_KABI);
	if (!err && o->keep_image && k->image_path) {
		err = copy_file(k->image_path, dir, KBTF_PROFILE_IMAGE);
		info->has_image = !err;
	}
	if (!err)
		err = write_marker(dir, info);
	return err;
}
