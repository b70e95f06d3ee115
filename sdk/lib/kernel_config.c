// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * A kernel's .config: reading it from a file (plain or gzip, as in
 * /proc/config.gz), digging it out of an image built with CONFIG_IKCONFIG,
 * and looking up one option in it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kbtf/err.h"
#include "kbtf/source.h"
#include "kernel_priv.h"
#include "profile.h"

static int to_text(const uint8_t *data, size_t size, char **text, size_t *len)
{
	*text = malloc(size + 1);
	if (!*text)
		return kbtf_err_nomem();
	memcpy(*text, data, size);
	(*text)[size] = '\0';
	*len = size;
	return 0;
}

static int from_bytes(const uint8_t *data, size_t size, char **text, size_t *len)
{
	enum kbtf_compression c = kbtf_compression_detect(data, size);
	struct kbtf_buf plain;
	int err;

	if (c == KBTF_COMP_NONE) {
		if (size > KBTF_KCONFIG_MAX)
			return kbtf_err(-EFBIG, "%zu bytes is too large for a kernel config", size);
		return to_text(data, size, text, len);
	}
	err = kbtf_decompress(c, data, size, KBTF_KCONFIG_MAX, &plain);
	if (err)
		return err;
	err = to_text(plain.data, plain.size, text, len);
	kbtf_buf_release(&plain);
	return err;
}

int kbtf_kconfig_read_file(const char *path, char **text, size_t *len)
{
	struct kbtf_buf b;
	int err;

	err = kbtf_buf_from_file(path, &b);
	if (err)
		return err;
	if (kbtf_profile_config_is_delta(b.data, b.size))
		err = kbtf_err(-EINVAL,
			       "%s: a kernel profile's config stored against its config.ref; "
			       "print it with 'kbtf kernels config NAME'",
			       path);
	else
		err = from_bytes(b.data, b.size, text, len);
	kbtf_buf_release(&b);
	return err;
}

int kbtf_kconfig_from_image(const void *data, size_t size, char **text, size_t *len)
{
	const uint8_t *p = data, *st, *ed;

	st = memmem(p, size, "IKCFG_ST", 8);
	if (!st)
		return -ENOENT;
	st += 8;
	ed = memmem(st, size - (size_t)(st - p), "IKCFG_ED", 8);
	if (!ed || kbtf_compression_detect(st, (size_t)(ed - st)) != KBTF_COMP_GZIP)
		return kbtf_err(-EINVAL, "IKCONFIG marker without a gzip config after it");
	return from_bytes(st, (size_t)(ed - st), text, len);
}

const char *kbtf_kernel_config(const struct kbtf_kernel *k, const char *name, char *buf, size_t len)
{
	const char *p, *end, *line, *nl, *val;
	size_t nlen, vlen;

	if (!k->config || !len)
		return NULL;
	if (!strncmp(name, "CONFIG_", 7))
		name += 7;
	nlen = strlen(name);
	p = k->config;
	end = k->config + k->config_len;
	for (line = p; line < end; line = nl + 1) {
		nl = memchr(line, '\n', (size_t)(end - line));
		if (!nl)
			nl = end;
		if ((size_t)(nl - line) < 7 + nlen + 1 || memcmp(line, "CONFIG_", 7) ||
		    memcmp(line + 7, name, nlen) || line[7 + nlen] != '=')
			continue;
		val = line + 7 + nlen + 1;
		vlen = (size_t)(nl - val);
		if (vlen && val[vlen - 1] == '\r')
			vlen--;
		/* string options are quoted in .config: give the bare string */
		if (vlen >= 2 && val[0] == '"' && val[vlen - 1] == '"') {
			val++;
			vlen -= 2;
		}
		if (vlen >= len)
			vlen = len - 1;
		memcpy(buf, val, vlen);
		buf[vlen] = '\0';
		return buf;
	}
	return NULL;
}
