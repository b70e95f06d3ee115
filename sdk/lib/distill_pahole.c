// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * DWARF -> split BTF through pahole, on temporary copies: the module and
 * the base are written to a scratch directory, pahole adds .BTF to the
 * copy, and only that section's bytes come back.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "elf_read.h"
#include "kbtf/err.h"
#include "distill_pahole.h"
#include "run.h"

static int extract_btf(const char *path, struct kbtf_buf *out)
{
	struct kbtf_buf file;
	struct kbtf_elf_sec sec;
	struct kbtf_elf *e;
	int err;

	err = kbtf_buf_from_file(path, &file);
	if (err)
		return err;
	err = kbtf_elf_open(file.data, file.size, &e);
	if (!err) {
		err = kbtf_elf_section(e, ".BTF", &sec);
		if (err == -ENOENT)
			err = kbtf_err(-KBTF_ETOOL, "pahole added no .BTF section (no DWARF it "
						    "could use?)");
		else if (!err)
			err = kbtf_buf_dup(sec.data, sec.size, out);
		kbtf_elf_close(e);
	}
	kbtf_buf_release(&file);
	return err;
}

int kbtf_pahole_encode(const void *image, size_t size, const void *base_raw, size_t base_size,
		       const char *tmpdir, const char *pahole, struct kbtf_buf *out)
{
	static const char *const env[] = {"LLVM_OBJCOPY=objcopy", NULL};
	char mod[PATH_MAX], base[PATH_MAX];
	struct kbtf_buf log = {0};
	struct kbtf_run_opts ro = {.env = env, .capture = &log};
	const char *argv[] = {pahole ? pahole : "pahole",
			      "-J",
			      "--btf_gen_floats",
			      "-j",
			      "--lang_exclude=rust",
			      "--btf_base",
			      base,
			      mod,
			      NULL};
	int err;

	memset(out, 0, sizeof(*out));
	if (snprintf(mod, sizeof(mod), "%s/module.ko", tmpdir) >= (int)sizeof(mod) ||
	    snprintf(base, sizeof(base), "%s/base.btf", tmpdir) >= (int)sizeof(base))
		return kbtf_err(-ENAMETOOLONG, "temporary path too long");
	err = kbtf_write_file_atomic(base, base_raw, base_size, 0600);
	if (!err)
		err = kbtf_write_file_atomic(mod, image, size, 0600);
	if (err)
		goto out;
	err = kbtf_run(argv, &ro);
	if (err > 0) {
		err = kbtf_err(-KBTF_ETOOL, "pahole failed (exit %d): %s", err,
			       kbtf_run_tail(&log, 3));
		goto out;
	}
	if (!err)
		err = extract_btf(mod, out);
out:
	kbtf_buf_release(&log);
	unlink(mod);
	unlink(base);
	return err;
}
